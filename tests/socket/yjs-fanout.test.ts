import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newComment } from '$lib/editor/model/comment';
import { userOrigin } from '$lib/editor/model/origin';
import { createStudioServer, type StudioServer } from '$lib/server/studio-server';
import type { UserRow } from '$lib/server/db/schema';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { seededRng, type Rng } from '../helpers/prng';
import { TEST_REDIS_URL, dropRedisPrefix, testRedisPrefix } from '../helpers/redis';
import { clientTracker, waitFor, type YClient } from '../helpers/yclient';
import { docContent, rebuild } from '../helpers/ydoc';

/** One web process: an App of its own (own pools, own Redis connections) and its HTTP server with the Yjs endpoint. */
interface Node {
  t: TestApp;
  studio: StudioServer;
  wsUrl: string;
}

/** Unique tokens in the notes, inserted only between tokens, so each stays whole whatever the other replicas do. */
function insertToken(p: ProjectDoc, rng: Rng, token: string) {
  const s = p.notes.toString();
  const boundaries = [0];
  for (let j = 0; j < s.length; j++) if (s[j] === ']') boundaries.push(j + 1);
  p.notes.insert(rng.pick(boundaries), token);
}

/** A random gesture: a token in the notes, a comment, a comment edit, or a token deleted. Records what it made and removed. */
function randomEdit(p: ProjectDoc, rng: Rng, user: UserRow, tag: string, made: string[], deleted: Set<string>) {
  const token = `[${tag}]`;
  p.transact(userOrigin(user.id), () => {
    const roll = rng.int(10);
    const comments = p.commentList();
    if (roll < 5) {
      insertToken(p, rng, token);
      made.push(token);
    } else if (roll < 7) {
      p.comments.insert(newComment({ authorId: user.id, authorName: user.username, body: token, createdAt: 1 }));
    } else if (roll < 8 && comments.length) {
      p.comments.update(rng.pick(comments).id, { resolved: rng.chance(0.5), body: token });
    } else {
      const tokens = p.notes.toString().match(/\[[^\]]+\]/g) ?? [];
      if (!tokens.length) return;
      const gone = rng.pick(tokens);
      p.notes.delete(p.notes.toString().indexOf(gone), gone.length);
      deleted.add(gone);
    }
  });
}

/** The text a stored log row inserts (its string items, concatenated). */
function insertedText(update: Uint8Array): string {
  return Y.decodeUpdate(update)
    .structs.map((s) => (s instanceof Y.Item && s.content instanceof Y.ContentString ? s.content.str : ''))
    .join('');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Yjs documents shared by two web processes through Redis (one PostgreSQL, one Redis)', () => {
  let database: TestDatabase;
  const prefix = testRedisPrefix('yjs-fanout');
  const nodes: Node[] = [];
  let user: UserRow;
  let token: string;
  const clients = clientTracker();

  async function startNode(): Promise<Node> {
    const t = await createTestApp('postgres', { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, YJS_COMPACT_AFTER_UPDATES: '7' }, database);
    const studio = createStudioServer(t.app, (_req, _res, next) => next?.());
    await new Promise<void>((r) => studio.http.listen(0, '127.0.0.1', r));
    return { t, studio, wsUrl: `ws://127.0.0.1:${(studio.http.address() as { port: number }).port}` };
  }
  const newProject = async (name: string) => (await nodes[0].t.app.projects.create(user, name)).id;
  const connect = (node: Node, projectId: string) => clients.connect(node.wsUrl, projectId, token);
  const unloaded = () => waitFor(() => nodes.every((n) => n.t.app.docs.loadedCount === 0), 'every process to unload the document');

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // One after the other: the second finds the migrations applied.
    nodes.push(await startNode());
    nodes.push(await startNode());
    user = await makeUser(nodes[0].t.app, 'fanout');
    token = (await nodes[1].t.app.tokens.create(user.id, 'yjs')).token;
  });
  afterEach(() => {
    clients.closeAll();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.studio.close();
      await n.t.close();
    }
    await database?.drop();
    await dropRedisPrefix(prefix);
  });

  it('seeded random edits through both processes\' clients and server-side edits converge, and the stored document is the converged one', async () => {
    const rng = seededRng(20261123);
    const projectId = await newProject('Fan-out convergence');
    const cs: YClient[] = [connect(nodes[0], projectId), connect(nodes[0], projectId), connect(nodes[1], projectId), connect(nodes[1], projectId)];
    await Promise.all(cs.map((c) => c.synced));
    const made: string[] = [];
    const deleted = new Set<string>();
    const STEPS = 160;
    for (let i = 0; i < STEPS; i++) {
      const who = rng.int(cs.length + nodes.length);
      if (who < cs.length) randomEdit(new ProjectDoc(cs[who].doc), rng, user, `c${who}-${i}`, made, deleted);
      else await nodes[who - cs.length].t.app.docs.edit(projectId, userOrigin(user.id), (p) => randomEdit(p, rng, user, `s${who - cs.length}-${i}`, made, deleted));
      // Sometimes several edits in one turn (merged into one row), sometimes a pause that lets messages cross.
      if (rng.chance(0.3)) await sleep(rng.int(15));
    }
    const live = await Promise.all(nodes.map((n) => n.t.app.docs.acquire(projectId)));
    const replicas = [...cs.map((c) => c.doc), ...live.map((s) => s.doc)];
    const expectedTokens = () => made.filter((t) => !deleted.has(t));
    await waitFor(
      () => replicas.every((d) => isDeepStrictEqual(docContent(d), docContent(replicas[0]))) && expectedTokens().every((t) => replicas[0].getText('notes').toString().includes(t)),
      'every replica to converge on every edit'
    );
    const converged = docContent(replicas[0]);
    for (const d of replicas) expect(docContent(d)).toEqual(converged);
    const notes = converged.notes;
    for (const t of made) expect(notes.split(t).length - 1, `token ${t}`).toBe(deleted.has(t) ? 0 : 1);
    expect(made.length).toBeGreaterThan(40);

    // Every client leaves: each process persists, compacts and unloads; the log then holds exactly the converged document.
    clients.closeAll();
    await unloaded();
    const stored = await nodes[1].t.app.docLog.load(projectId);
    expect(docContent(rebuild(stored))).toEqual(converged);
    const copy = await nodes[0].t.app.docs.copyOf(projectId);
    expect(docContent(copy)).toEqual(converged);
  });

  it('a document first loaded on the second process after edits on the first (some not yet stored) is current', async () => {
    const projectId = await newProject('Late load');
    const a = nodes[0].t.app.docs;
    const b = nodes[1].t.app.docs;
    const sharedA = await a.acquire(projectId);
    for (let i = 0; i < 20; i++) await a.edit(projectId, userOrigin(user.id), (p) => p.notes.insert(p.notes.length, `[stored${i}]`));
    await sharedA.flush();
    const storedText = sharedA.doc.getText('notes').toString();
    // Edited in the same turn as B's load starts: these are still in A's write-behind queue while B subscribes and reads.
    for (let i = 0; i < 10; i++) await a.edit(projectId, userOrigin(user.id), (p) => p.notes.insert(0, `[pending${i}]`));
    const loading = b.acquire(projectId);
    for (let i = 0; i < 5; i++) await a.edit(projectId, userOrigin(user.id), (p) => p.notes.insert(0, `[during${i}]`));
    const sharedB = await loading;
    // What A had stored before B started loading is there as soon as the load resolves.
    for (let i = 0; i < 20; i++) expect(sharedB.doc.getText('notes').toString()).toContain(`[stored${i}]`);
    expect(sharedB.doc.getText('notes').toString().length).toBeGreaterThanOrEqual(storedText.length);
    await sharedA.flush();
    await waitFor(() => sharedB.doc.getText('notes').toString() === sharedA.doc.getText('notes').toString(), 'the late loader to receive what A stored meanwhile');
    // B applied them without storing them a second time: each edit is in exactly one log row.
    await sharedB.flush();
    const rows = await nodes[0].t.app.db.kysely.selectFrom('doc_updates').select('data').where('project_id', '=', projectId).execute();
    const texts = rows.map((r) => insertedText(new Uint8Array(r.data)));
    for (const marker of ['[stored0]', '[stored19]', '[pending0]', '[pending9]', '[during0]', '[during4]']) {
      expect(texts.filter((t) => t.includes(marker)), marker).toHaveLength(1);
    }

    // A client of B edits; a client of A sees it.
    const ca = connect(nodes[0], projectId);
    const cb = connect(nodes[1], projectId);
    await Promise.all([ca.synced, cb.synced]);
    expect(ca.doc.getText('notes').toString()).toBe(sharedA.doc.getText('notes').toString());
    cb.doc.getText('notes').insert(0, '[from b]');
    await waitFor(() => ca.doc.getText('notes').toString().startsWith('[from b]'), 'the edit on B to reach the client on A');
    clients.closeAll();
    await unloaded();
  });

  it('presence crosses processes: a client on one sees a client on the other, joining before or after it, and its removal', async () => {
    const projectId = await newProject('Presence');
    const cb = connect(nodes[1], projectId);
    await cb.synced;
    cb.provider.awareness.setLocalStateField('user', { id: user.id, name: 'on b' });
    // A loads the document after B's client announced itself: A asks the others for their presence on load.
    const ca = connect(nodes[0], projectId);
    await ca.synced;
    const stateOf = (observer: YClient, of: YClient) => observer.provider.awareness.getStates().get(of.doc.clientID) as { user?: { name: string } } | undefined;
    await waitFor(() => stateOf(ca, cb)?.user?.name === 'on b', 'the client on A to see the presence of the client on B');
    ca.provider.awareness.setLocalStateField('user', { id: user.id, name: 'on a' });
    await waitFor(() => stateOf(cb, ca)?.user?.name === 'on a', 'the client on B to see the presence of the client on A');
    cb.provider.awareness.setLocalStateField('cursor', 42);
    await waitFor(() => (stateOf(ca, cb) as { cursor?: number } | undefined)?.cursor === 42, 'a presence change to cross');

    // B's client disconnects (its socket closes, no goodbye message): B removes it and tells A.
    cb.provider.ws?.close();
    cb.provider.shouldConnect = false;
    await waitFor(() => stateOf(ca, cb) === undefined, 'the client on A to see the client on B leave');
    expect(stateOf(ca, ca)?.user?.name).toBe('on a');
    clients.closeAll();
    await unloaded();
  });

  it('a process whose Redis subscriber connection was cut catches up from the log with what was published meanwhile', async () => {
    const projectId = await newProject('Reconnect');
    const a = nodes[0].t.app.docs;
    const sharedA = await a.acquire(projectId);
    const sharedB = await nodes[1].t.app.docs.acquire(projectId);
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const name = `airstudio-doc-fanout-${nodes[1].t.app.docs.fanout!.processId}`;
      const line = String(await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').find((l) => l.includes(` name=${name} `));
      expect(line, 'B\'s subscriber connection').toBeDefined();
      await raw.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]);
      // Published while B is away (ioredis waits before it reconnects): B learns of these only from the log.
      for (let i = 0; i < 5; i++) await a.edit(projectId, userOrigin(user.id), (p) => p.notes.insert(p.notes.length, `[while away ${i}]`));
      await sharedA.flush();
    } finally {
      raw.disconnect();
    }
    await waitFor(() => sharedB.doc.getText('notes').toString() === sharedA.doc.getText('notes').toString(), 'B to catch up after reconnecting');
    expect(sharedB.doc.getText('notes').toString()).toContain('[while away 4]');
    // And B hears new updates again.
    await a.edit(projectId, userOrigin(user.id), (p) => p.notes.insert(0, '[back]'));
    await waitFor(() => sharedB.doc.getText('notes').toString().startsWith('[back]'), 'B to receive updates again');
    await Promise.all(nodes.map((n) => n.t.app.docs.unload(projectId)));
  });

  it('garbage on a document channel is logged and ignored; both processes keep serving the document', async () => {
    const projectId = await newProject('Garbage');
    const ca = connect(nodes[0], projectId);
    const cb = connect(nodes[1], projectId);
    await Promise.all([ca.synced, cb.synced]);
    const warn = vi.spyOn(nodes[1].t.app.logger, 'warn');
    const raw = new Redis(TEST_REDIS_URL);
    try {
      const channel = `${prefix}doc:${projectId}`;
      const garbage = [
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // a varint that never ends
        Buffer.from('not a yjs message at all'),
        Buffer.from([0, 3, 0x61, 0x62, 0x63, 5, 4, 0xff, 0xff, 0xff, 0xff]), // an update from "abc", row 5, whose bytes are no Yjs update
        Buffer.from([9, 3, 0x61, 0x62, 0x63]), // an unknown message type
        Buffer.from([1, 3, 0x61, 0x62, 0x63, 3, 0x7b, 0x7b, 0x7b]) // presence whose bytes are no awareness update
      ];
      for (const g of garbage) await raw.publish(channel, g);
    } finally {
      raw.disconnect();
    }
    ca.doc.getText('notes').insert(0, 'after the garbage');
    await waitFor(() => cb.doc.getText('notes').toString() === 'after the garbage', 'an edit on A to reach B after the garbage');
    const malformed = warn.mock.calls.filter((c) => c[1] === 'malformed document message on redis; ignored');
    expect(malformed.length).toBe(5);
    cb.doc.getText('notes').insert(0, 'and back; ');
    await waitFor(() => ca.doc.getText('notes').toString() === 'and back; after the garbage', 'an edit on B to reach A');
    const shared = await nodes[1].t.app.docs.acquire(projectId);
    expect(shared.doc.getText('notes').toString()).toBe('and back; after the garbage');
    clients.closeAll();
    await unloaded();
  });
});
