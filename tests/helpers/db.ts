import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectKind = (typeof DIALECTS)[number];

export interface TestDatabase {
  kind: DialectKind;
  url: string;
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database of the given kind: a temp SQLite file, or a new PostgreSQL database dropped afterwards. */
export async function createTestDatabase(kind: DialectKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-db-'));
    return { kind, url: `sqlite:${path.join(dir, 'test.db')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `airstudio_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    kind,
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        // A closed pool's connections end a moment after close() resolves: wait for them rather than kill them
        // (a killed connection reports "terminating connection" to a client nobody listens to any more).
        for (let i = 0; ; i++) {
          try {
            await c.query(`drop database if exists ${name}${i >= 50 ? ' with (force)' : ''}`);
            break;
          } catch (e) {
            if (i >= 50 || (e as { code?: string }).code !== '55006') throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      } finally {
        await c.end();
      }
    }
  };
}
