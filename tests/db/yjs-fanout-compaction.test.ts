import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newComment } from '$lib/editor/model/comment';
import { userOrigin } from '$lib/editor/model/origin';
import { SharedDoc } from '$lib/server/yjs/shared-doc';
import type { UserRow } from '$lib/server/db/schema';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { createTestDatabase, DIALECTS, type DialectKind, type TestDatabase } from '../helpers/db';
import { seededRng, type Rng } from '../helpers/prng';
import { TEST_REDIS_URL, dropRedisPrefix, testRedisPrefix } from '../helpers/redis';
import { waitFor } from '../helpers/yclient';
import { docContent, rebuild } from '../helpers/ydoc';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A token appended to the notes, or a comment carrying it: either way the token must survive exactly once. */
function edit(p: ProjectDoc, rng: Rng, user: UserRow, token: string) {
  p.transact(userOrigin(user.id), () => {
    if (rng.chance(0.7)) p.notes.insert(rng.chance(0.5) ? 0 : p.notes.length, token);
    else p.comments.insert(newComment({ authorId: user.id, authorName: user.username, body: token, createdAt: 1 }));
  });
}

/** Every token is in the document exactly once: in the notes or as one comment's body. */
function expectEveryToken(doc: Y.Doc, tokens: string[]) {
  const p = new ProjectDoc(doc);
  const notes = p.notes.toString();
  const bodies = p.commentList().map((c) => c.body);
  const lost = tokens.filter((t) => notes.split(t).length - 1 + bodies.filter((b) => b === t).length !== 1);
  expect(lost, 'tokens lost or duplicated').toEqual([]);
}

/** The snapshot row and the log agree: no row the snapshot folded is left, and snapshot + rows rebuild `tokens`. */
async function expectConsistentLog(t: TestApp, projectId: string, tokens: string[]) {
  const db = t.app.db.kysely;
  const snap = await db.selectFrom('doc_snapshots').select(['data', 'last_update_id']).where('project_id', '=', projectId).executeTakeFirst();
  expect(snap, 'a snapshot row').toBeDefined();
  const folded = await db.selectFrom('doc_updates').select('id').where('project_id', '=', projectId).where('id', '<=', Number(snap!.last_update_id)).execute();
  expect(folded).toEqual([]);
  const stored = await t.app.docLog.load(projectId);
  expectEveryToken(rebuild(stored), tokens);
  return stored;
}

/**
 * Two web processes for the enclosing describe: two Apps with their own connection pools on one database (and, when
 * `env` names one, one Redis prefix), and a user; closed and dropped after the describe.
 */
function twoProcesses(kind: DialectKind, env: Record<string, string> = {}) {
  const ctx = { database: undefined as unknown as TestDatabase, apps: [] as TestApp[], user: undefined as unknown as UserRow };
  beforeAll(async () => {
    ctx.database = await createTestDatabase(kind);
    // One after the other: the second finds the migrations applied.
    ctx.apps.push(await createTestApp(kind, env, ctx.database));
    ctx.apps.push(await createTestApp(kind, env, ctx.database));
    ctx.user = await makeUser(ctx.apps[0].app, 'two');
  });
  afterAll(async () => {
    for (const t of ctx.apps) await t.close();
    await ctx.database?.drop();
    if (env.REDIS_PREFIX) await dropRedisPrefix(env.REDIS_PREFIX);
  });
  return ctx;
}

describe.each(DIALECTS)('compaction with two writers on one %s log, no fan-out between them', (kind) => {
  const two = twoProcesses(kind);

  it('interleaved appends and compactions of two documents that never see each other lose nothing', async () => {
    const { apps, user } = two;
    const projectId = (await apps[0].app.projects.create(user, 'Two writers')).id;
    // Each compacts every 3 of its own rows with a state that lacks the other's rows: the merge must keep them.
    const docs = apps.map((t) => new SharedDoc(projectId, t.app.docLog, { compactAfterUpdates: 3 }, t.app.logger));
    for (const d of docs) await d.load();
    const rng = seededRng(kind === 'sqlite' ? 11 : 12);
    const tokens: string[] = [];
    for (let i = 0; i < 90; i++) {
      const w = rng.int(2);
      const token = `[w${w}-${i}]`;
      edit(new ProjectDoc(docs[w].doc), rng, user, token);
      tokens.push(token);
      if (rng.chance(0.4)) await Promise.all(docs.map((d) => d.flush()));
      // A compaction by a process that holds nothing: it may only fold in what is stored.
      if (rng.chance(0.1)) {
        const last = (await apps[1].app.docLog.load(projectId)).lastUpdateId;
        await apps[rng.int(2)].app.docLog.compact(projectId, Y.encodeStateAsUpdate(new Y.Doc()), last, Date.now());
      }
    }
    await Promise.all(docs.map((d) => d.persistAndCompact()));
    const stored = await expectConsistentLog(apps[0], projectId, tokens);

    // Compacting again up to an id the snapshot already covers changes nothing: no double compaction.
    const before = await apps[0].app.db.kysely.selectFrom('doc_snapshots').select(['data', 'last_update_id']).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    expect(await apps[1].app.docLog.compact(projectId, Y.encodeStateAsUpdate(new Y.Doc()), Number(before.last_update_id), Date.now())).toBe(false);
    const after = await apps[0].app.db.kysely.selectFrom('doc_snapshots').select(['data', 'last_update_id']).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    expect(Number(after.last_update_id)).toBe(Number(before.last_update_id));
    expect(Buffer.from(after.data).equals(Buffer.from(before.data))).toBe(true);
    expect(stored.updates.length).toBeLessThanOrEqual(3);
    for (const d of docs) d.destroy();
  });
});

describe('appends and compactions of two processes on PostgreSQL', () => {
  const two = twoProcesses('postgres');

  it('a compaction waits for an append still in flight with a lower id, and folds it in', async () => {
    const { apps, user, database } = two;
    const projectId = (await apps[0].app.projects.create(user, 'In flight')).id;
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getText('notes').insert(0, 'committed; ');
    const first = await apps[0].app.docLog.append(projectId, updates[0], 1);
    doc.getText('notes').insert(doc.getText('notes').length, 'in flight');
    // Holding the project row stops an append at its foreign-key check: its id is taken, its row not yet committed.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from projects where id = $1 for update', [projectId]);
      const waiting = async () => Number((await holder.query("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n);
      const appending = apps[0].app.docLog.append(projectId, updates[1], 2);
      await waitFor(async () => (await waiting()) === 1, 'the append to wait on the held project row');
      const compacting = apps[1].app.docLog.compact(projectId, Y.encodeStateAsUpdate(new Y.Doc()), first + 1, 3);
      await waitFor(async () => (await waiting()) === 2, 'the compaction to wait for the append in flight');
      await holder.query('commit');
      expect(await appending).toBe(first + 1);
      expect(await compacting).toBe(true);
    } finally {
      await holder.end();
    }
    const stored = await apps[1].app.docLog.load(projectId);
    expect(stored.updates).toEqual([]);
    expect(stored.snapshotUpToId).toBe(first + 1);
    expect(rebuild(stored).getText('notes').toString()).toBe('committed; in flight');
  });
});

describe('compaction race between two processes sharing documents through Redis on PostgreSQL', () => {
  const two = twoProcesses('postgres', { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix('yjs-compaction'), YJS_COMPACT_AFTER_UPDATES: '4' });

  it('both compact the same project again and again while both edit: the stored document holds every edit once', async () => {
    const { apps, user } = two;
    const projectId = (await apps[0].app.projects.create(user, 'Race')).id;
    const rng = seededRng(99);
    const tokens: string[] = [];
    const live = await Promise.all(apps.map((t) => t.app.docs.acquire(projectId)));
    const writers = apps.map(async (t, w) => {
      for (let i = 0; i < 60; i++) {
        const token = `[p${w}-${i}]`;
        tokens.push(token);
        await t.app.docs.edit(projectId, userOrigin(user.id), (p) => edit(p, rng, user, token));
        if (i % 5 === w) await live[w].persistAndCompact();
        if (rng.chance(0.5)) await sleep(rng.int(4));
      }
      await live[w].persistAndCompact();
    });
    await Promise.all(writers);
    await expectConsistentLog(apps[1], projectId, tokens);
    // Both see every edit: the other's arrived through Redis.
    await waitFor(() => live.every((s) => isDeepStrictEqual(docContent(s.doc), docContent(live[0].doc))), 'both processes to converge');
    for (const s of live) expectEveryToken(s.doc, tokens);
    const converged = docContent(live[0].doc);

    await Promise.all(apps.map((t) => t.app.docs.unload(projectId)));
    const stored = await expectConsistentLog(apps[0], projectId, tokens);
    expect(docContent(rebuild(stored))).toEqual(converged);
  });
});
