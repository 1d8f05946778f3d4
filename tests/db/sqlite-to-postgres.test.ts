import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newComment } from '$lib/editor/model/comment';
import { userOrigin } from '$lib/editor/model/origin';
import { createApp, type App } from '$lib/server/app';
import { loadConfig } from '$lib/server/config';
import { openDatabase } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { migrations } from '../../migrations/index';
import { copySqliteToPostgres } from '$lib/server/db/database-copy';
import { DocLogRepository } from '$lib/server/yjs/doc-log.repository';
import type { UserRow } from '$lib/server/db/schema';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import { kitInput } from '$lib/design-kit';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_PASSWORD } from '../helpers/api';
import { docFingerprint, rebuild } from '../helpers/ydoc';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(process.env.AIRSTUDIO_BUILD_DIR ?? path.join(ROOT, 'build'), 'db-to-postgres.js');
const run = promisify(execFile);

/** The CLI's exit code and output (execFile rejects on a non-zero exit; the answer is the same shape). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [CLI, ...args], { cwd: ROOT });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Every row of a table in a form both databases produce alike: bytes as hex, sorted by content. */
async function rowsOf(db: Kysely<any>, table: string): Promise<string[]> {
  const rows = await db.selectFrom(table).selectAll().execute();
  return rows
    .map((row) => JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k] instanceof Uint8Array ? Buffer.from(row[k]).toString('hex') : row[k]])))
    .sort();
}

/** One edit of the shared notes and comments, as a stored update. */
function editUpdate(doc: ProjectDoc, user: UserRow, i: number): Uint8Array {
  const before = Y.encodeStateVector(doc.doc);
  doc.transact(userOrigin(user.id), () => {
    doc.notes.insert(doc.notes.length, `line ${i} ünïcødé ✓\n`);
    if (i % 3 === 0) doc.comments.insert(newComment({ authorId: user.id, authorName: user.username, body: `comment ${i}`, createdAt: 1_700_000_000_000 + i }));
  });
  return Y.encodeStateAsUpdate(doc.doc, before);
}

describe('npm run db:to-postgres: a SQLite install moved to PostgreSQL', () => {
  let source: TestApp;
  let target: TestDatabase;
  let moved: App | null = null;
  let owner: UserRow;
  let projectIds: string[] = [];
  let sessionToken: string;
  const notesOf = new Map<string, string>();

  beforeAll(async () => {
    // WEBHOOK_ALLOW_PRIVATE: the webhook below points at a loopback receiver that is never started.
    source = await createTestApp('sqlite', { WEBHOOK_ALLOW_PRIVATE: '1', YJS_COMPACT_AFTER_UPDATES: '1000' });
    const app = source.app;
    owner = await makeUser(app, 'own');
    const [editor, viewer] = [await makeUser(app, 'edi'), await makeUser(app, 'vie')];
    sessionToken = (await app.sessions.create(owner.id, 'Firefox on Linux')).token;
    await app.tokens.create(owner.id, 'script');
    await app.workerTokens.create(null, 'render box');

    for (const name of ['Morning show', 'Listing 12 Elm St']) {
      const project = await app.projects.create(owner, name);
      projectIds.push(project.id);
      await app.projects.addMember(owner, project.id, editor.username, 'editor');
      await app.projects.addMember(owner, project.id, viewer.username, 'viewer');
      // Edit, compact into a snapshot, edit more: both the snapshot and log rows are copied.
      const doc = new ProjectDoc(new Y.Doc());
      for (let i = 0; i < 6; i++) await app.docLog.append(project.id, editUpdate(doc, editor, i), Date.now());
      const stored = await app.docLog.load(project.id);
      await app.docLog.compact(project.id, Y.encodeStateAsUpdate(doc.doc), stored.lastUpdateId, Date.now());
      for (let i = 6; i < 10; i++) await app.docLog.append(project.id, editUpdate(doc, editor, i), Date.now());
      notesOf.set(project.id, doc.notes.toString());
    }
    const projectId = projectIds[0];

    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#88aacc' } }).png().toBuffer();
    const file = app.storage.tempPath('test');
    fs.writeFileSync(file, png);
    const sha256 = createHash('sha256').update(png).digest('hex');
    const asset = (await app.assets.ingest({ projectId, user: editor, file, sha256, bytes: png.length, originalName: 'room.png' })).asset;

    // Jobs in several states.
    const echo = () => app.jobs.enqueue(projectId, { type: 'system.echo', input: { at: 1 }, createdBy: editor.id }).then((r) => r.job);
    const canceled = await echo();
    await app.jobs.cancel(owner, canceled.id);
    for (let i = 0; i < 4; i++) await echo();
    const claim = async () => (await app.jobs.claim('w1', { types: ['system.echo'], ownerId: null }))!.job.id;
    await app.jobs.complete('w1', await claim(), { slept: 1 });
    await app.jobs.fail('w1', await claim(), 'the encoder crashed', false);
    // One left running, one queued.
    await claim();

    const channel = await app.channels.create(owner, projectId, createChannelSchema.parse({ name: 'Loop FM' }));
    const host = (await app.chat.join('c1', owner.id, 'ip-a', { slug: channel.slug })).participant;
    const guest = (await app.chat.join('c2', null, 'ip-b', { slug: channel.slug, nickname: 'Listener' })).participant;
    await app.chat.send(host, 'Welcome to the morning show');
    const spam = await app.chat.send(guest, 'buy now');
    await app.chat.restrict(host, 'mute', spam.id, 60);
    await app.generator.update(owner, channel.id, { enabled: false, prompts: ['calm piano'], rotateSeconds: 120, chunkSeconds: 60, parallel: 1 });

    const hook = await app.webhooks.create(owner, projectId, { url: 'http://127.0.0.1:9/hook', events: ['song.changed'], channelId: null, enabled: true });
    await app.webhooks.ping(owner, hook.id).catch(() => undefined);
    const key = await app.apiKeys.create(owner, projectId, { name: 'backend', scopes: ['jobs:read'] });
    const principal = (await app.apiKeys.authenticate(key.key!))!;
    await app.integration.idempotent(principal, 'order-1', 'POST /x {"a":1}', async () => ({ status: 201, body: { ok: true } }));
    await app.credits.setPrices(owner, { 'timeline.render': 3 });
    await app.credits.grant(owner, { username: editor.username, amount: 25 });
    await app.providers.update(owner, projectId, { llm: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', apiKey: 'sk-kept-secret' } });
    const kit = await app.designKits.create(owner, projectId, kitInput.parse({ name: 'Nordic', palette: ['#AABBCC', '#112233'] }));
    await app.designKits.addFromAsset(owner, projectId, kit.id, { assetId: asset.id, role: 'reference' });

    // The studio is stopped before the copy (its database closed); its DATA_DIR stays for the moved studio.
    await app.webhooks.stop();
    await app.db.close();
    target = await createTestDatabase('postgres');
  }, 120_000);

  afterAll(async () => {
    await moved?.webhooks.stop();
    await moved?.db.close();
    await target?.drop();
    await source?.close().catch(() => undefined);
  });

  const sourceFile = () => source.database.url.slice('sqlite:'.length);

  it('the built install has data in most tables', async () => {
    const db = new SQLite(sourceFile(), { readonly: true });
    const tables = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`).all() as { name: string }[]).map((r) => r.name);
    const nonEmpty = tables.filter((t) => (db.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n > 0).sort();
    db.close();
    expect(nonEmpty).toEqual(
      expect.arrayContaining([
        'users', 'sessions', 'api_tokens', 'worker_tokens', 'projects', 'project_members', 'doc_updates', 'doc_snapshots', 'assets', 'jobs',
        'channels', 'chat_messages', 'chat_bans', 'channel_generators', 'webhooks', 'webhook_deliveries', 'project_api_keys', 'api_idempotency',
        'credit_accounts', 'credit_entries', 'credit_prices', 'project_providers', 'design_kits', 'design_kit_items'
      ])
    );
  });

  it('copies every table and every document, verifies them and says what to do next', async () => {
    const r = await cli(['--from', `sqlite:${sourceFile()}`, '--to', target.url, '--data-dir', source.dataDir]);
    expect(r.stderr).not.toContain('failed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^doc_updates\s+\d+\s+\d+\s+ok /m);
    expect(r.stdout).not.toContain('MISMATCH');
    expect(r.stdout).toContain(`documents: ${projectIds.length} checked, all load to the same state`);
    expect(r.stdout).toContain('DATABASE_URL=');
    expect(r.stdout).toContain(`Keep ${path.join(source.dataDir, 'signing-key')}`);
  }, 120_000);

  it('every table is identical row by row, and every document loads to the same state', async () => {
    const from = openDatabase(source.database.url);
    const to = openDatabase(target.url);
    try {
      const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(from.kysely)).rows.map((r) => r.name);
      expect(tables.length).toBeGreaterThan(30);
      for (const table of tables) {
        const [a, b] = [await rowsOf(from.kysely, table), await rowsOf(to.kysely, table)];
        expect({ table, rows: b }).toEqual({ table, rows: a });
      }
      for (const id of projectIds) {
        const fromDoc = rebuild(await new DocLogRepository(from.kysely).load(id));
        const toStored = await new DocLogRepository(to.kysely).load(id);
        expect(toStored.snapshot).not.toBeNull();
        expect(toStored.updates.length).toBe(4);
        expect(docFingerprint(rebuild(toStored))).toEqual(docFingerprint(fromDoc));
        expect(Buffer.from(Y.encodeStateAsUpdate(rebuild(toStored))).equals(Buffer.from(Y.encodeStateAsUpdate(fromDoc)))).toBe(true);
      }
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('the studio runs on the copy: sign-in, sessions, documents, stored keys and new ids', async () => {
    moved = await createApp(loadConfig({ DATA_DIR: source.dataDir, DATABASE_URL: target.url, LOG_LEVEL: 'silent', INGEST_RTMP_PORT: '0' }));
    const login = await moved.accounts.login({ username: owner.username, password: TEST_PASSWORD }, '127.0.0.1', null);
    expect(login.user.id).toBe(owner.id);
    expect((await moved.sessions.validate(sessionToken))?.user.id).toBe(owner.id);
    expect((await moved.projects.list(owner)).map((p) => p.id).sort()).toEqual([...projectIds].sort());
    const doc = await moved.docs.copyOf(projectIds[0]);
    expect(doc.getText('notes').toString()).toBe(notesOf.get(projectIds[0]));
    // The provider key was encrypted with DATA_DIR's signing key; the moved studio reads it.
    expect((await moved.providers.llmFor(projectIds[0]))?.apiKey).toBe('sk-kept-secret');
    // Sequences continue after the copied ids: new log rows and ledger entries insert.
    const before = await moved.docLog.load(projectIds[1]);
    const id = await moved.docLog.append(projectIds[1], Y.encodeStateAsUpdate(new Y.Doc()), Date.now());
    expect(id).toBeGreaterThan(before.lastUpdateId);
    await moved.credits.grant(owner, { username: owner.username, amount: 5 });
  });
});

describe('npm run db:to-postgres refuses what it cannot copy', () => {
  it('a target that already holds data is refused and left untouched', async () => {
    const src = await createTestApp('sqlite', { LOG_LEVEL: 'silent' });
    const busy = await createTestDatabase('postgres');
    const db = openDatabase(busy.url);
    try {
      await makeUser(src.app, 'someone');
      await src.app.db.close();
      await migrateToLatest(db.kysely);
      await db.kysely.insertInto('users').values({ id: 'u1', username: 'already', email: 'a@example.test', display_name: 'A', color: '#000000', password_hash: 'x', created_at: 1 }).execute();
      const applied = (await db.kysely.selectFrom('kysely_migration' as any).selectAll().execute()).length;
      await expect(copySqliteToPostgres({ from: src.database.url, to: busy.url })).rejects.toThrow(/already holds data \(in users\); nothing was changed/);
      expect(await db.kysely.selectFrom('users').select('username').execute()).toEqual([{ username: 'already' }]);
      expect((await db.kysely.selectFrom('kysely_migration' as any).selectAll().execute()).length).toBe(applied);
    } finally {
      await db.close();
      await busy.drop();
      await src.close();
    }
  }, 60_000);

  it('a missing, foreign or outdated source gets a clear error, from the function and the command', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-airstudio', 'airstudio.db');
    await expect(copySqliteToPostgres({ from: `sqlite:${missing}`, to: 'postgres://127.0.0.1/x' })).rejects.toThrow(`No SQLite database at ${missing}`);
    const r = await cli(['--from', `sqlite:${missing}`, '--to', 'postgres://127.0.0.1/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`No SQLite database at ${missing}`);
    expect(fs.existsSync(missing)).toBe(false);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-foreign-'));
    const foreign = path.join(dir, 'other.db');
    const other = new SQLite(foreign);
    other.exec('create table notes (x text)');
    other.close();
    await expect(copySqliteToPostgres({ from: foreign, to: 'postgres://127.0.0.1/x' })).rejects.toThrow('is not an airstudio database');
    // An install that this version has not upgraded yet.
    const behind = path.join(dir, 'airstudio.db');
    const old = openDatabase(`sqlite:${behind}`);
    await migrateToLatest(old.kysely);
    const last = Object.keys(migrations).at(-1)!;
    await old.kysely.deleteFrom('kysely_migration' as any).where('name', '=', last).execute();
    await old.close();
    await expect(copySqliteToPostgres({ from: behind, to: 'postgres://127.0.0.1/x' })).rejects.toThrow(`is not on this version's schema (missing ${last}): start this version once on it`);
    const usage = await cli(['--from', foreign]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Both --from and --to are needed');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
