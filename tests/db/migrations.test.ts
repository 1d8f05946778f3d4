import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Db } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { migrations } from '../../migrations/index';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';

const TABLES = ['users', 'sessions', 'api_tokens', 'projects', 'project_members', 'doc_updates', 'doc_snapshots', 'worker_tokens', 'jobs', 'assets', 'asset_variants', 'channels', 'chat_messages', 'chat_bans', 'play_log', 'webhooks', 'webhook_deliveries', 'song_requests', 'podcasts', 'podcast_episodes'];

describe.each(DIALECTS)('migrations on %s', (kind) => {
  let database: TestDatabase;
  let db: Db;

  afterEach(async () => {
    await db?.close();
    await database?.drop();
  });

  it('bring an empty database to the latest schema, once', async () => {
    database = await createTestDatabase(kind);
    db = openDatabase(database.url);
    expect(db.dialect).toBe(kind);

    const applied = await migrateToLatest(db.kysely);
    expect(applied).toEqual(Object.keys(migrations).sort());
    const tables = (await db.kysely.introspection.getTables()).map((t) => t.name);
    for (const t of TABLES) expect(tables).toContain(t);
    // Running again (every start does) applies nothing and changes nothing.
    expect(await migrateToLatest(db.kysely)).toEqual([]);
  });

  it('create constraints the code relies on: unique usernames, valid roles, cascading deletes', async () => {
    database = await createTestDatabase(kind);
    db = openDatabase(database.url);
    await migrateToLatest(db.kysely);
    const k = db.kysely;
    const user = (id: string, username: string) => ({ id, username, email: `${username}@x.test`, display_name: username, color: '#000000', password_hash: 'h', created_at: 1 });
    await k.insertInto('users').values(user('u1', 'ann')).execute();
    await expect(k.insertInto('users').values(user('u2', 'ann')).execute()).rejects.toThrow(/unique|duplicate/i);
    await k.insertInto('projects').values({ id: 'p1', name: 'P', created_by: 'u1', created_at: 1, updated_at: 1 }).execute();
    await expect(k.insertInto('project_members').values({ project_id: 'p1', user_id: 'u1', role: 'admin' as 'owner', created_at: 1 }).execute()).rejects.toThrow();
    await k.insertInto('project_members').values({ project_id: 'p1', user_id: 'u1', role: 'owner', created_at: 1 }).execute();
    await k.insertInto('doc_updates').values({ project_id: 'p1', data: new Uint8Array([1, 2, 3]), created_at: 1 }).execute();
    const row = await k.selectFrom('doc_updates').selectAll().executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(new Uint8Array(row.data)).toEqual(new Uint8Array([1, 2, 3]));
    // Only the columns without defaults: the database fills in the rest.
    const raw = k as unknown as Kysely<any>;
    const job = { id: 'j1', project_id: 'p1', type: 't', status: 'queued' as const, input: '{}', max_attempts: 3, run_after: 1, idempotency_key: 'k', created_at: 1, updated_at: 1 };
    await raw.insertInto('jobs').values(job).execute();
    await expect(raw.insertInto('jobs').values({ ...job, id: 'j2' }).execute()).rejects.toThrow(/unique|duplicate/i);
    await expect(raw.insertInto('jobs').values({ ...job, id: 'j3', idempotency_key: 'other', status: 'lost' as 'queued' }).execute()).rejects.toThrow();
    // Jobs without a key are never deduplicated (NULLs are distinct in both databases).
    await raw.insertInto('jobs').values([{ ...job, id: 'j4', idempotency_key: null }, { ...job, id: 'j5', idempotency_key: null }]).execute();
    const asset = { id: 'a1', project_id: 'p1', kind: 'audio' as const, status: 'approved' as const, sha256: 'f'.repeat(64), bytes: 1, mime: 'audio/mpeg', original_name: 'x', title: 'x', processing: 'queued' as const, created_at: 1, updated_at: 1 };
    await raw.insertInto('assets').values(asset).execute();
    await expect(raw.insertInto('assets').values({ ...asset, id: 'a2' }).execute()).rejects.toThrow(/unique|duplicate/i);
    await raw.insertInto('asset_variants').values({ asset_id: 'a1', name: 'proxy', sha256: 'e'.repeat(64), bytes: 1, mime: 'video/mp4', created_at: 1 }).execute();
    await k.deleteFrom('projects').where('id', '=', 'p1').execute();
    for (const t of ['jobs', 'assets', 'asset_variants'] as const) {
      const n = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(k);
      expect(Number(n.rows[0].n)).toBe(0);
    }
    const left = await sql<{ n: number }>`select count(*) as n from doc_updates`.execute(k);
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
