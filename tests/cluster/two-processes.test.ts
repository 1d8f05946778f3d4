import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { JobJson } from '$lib/job';
import type { ChatMessageView } from '$lib/channel';
import type { ChatJoinResult } from '$lib/events';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { userOrigin } from '$lib/editor/model/origin';
import { colorForId } from '$lib/editor/model/presence';
import type { Role } from '$lib/editor/model/role';
import { openDatabase } from '$lib/server/db/database';
import { DocLogRepository } from '$lib/server/yjs/doc-log.repository';
import { addMember, api, createProject, uniqueName, type TestUser } from '../helpers/api';
import { startCluster, waitForWorkers, type Cluster } from '../helpers/cluster';
import { seededRng } from '../helpers/prng';
import { randomEdit } from '../helpers/random-edit';
import type { RunningServer } from '../helpers/server';
import { editStream, expectAll } from '../helpers/token-edits';
import { docFingerprint, rebuild } from '../helpers/ydoc';
import { clientTracker, notes, waitFor, type YClient } from '../helpers/yclient';

// Issue 8: two web processes on one PostgreSQL database and one Redis work as one studio. Every client here dials
// one process (or a TCP load balancer in front of both); nothing of the product runs in the test process.
let cluster: Cluster;
let A: RunningServer;
let B: RunningServer;
const clients = clientTracker();
const sockets: Socket[] = [];

beforeAll(async () => {
  // A fast queue poll: the worker's process finds a job queued through the other process within 200 ms.
  cluster = await startCluster(2, { JOB_POLL_MS: '200', CHAT_RATE_MESSAGES: '50' });
  [A, B] = cluster.servers;
}, 120_000);
// Each test starts with two live processes (a test that stops or kills one leaves it to the next to replace).
beforeEach(async () => {
  const down = (n: RunningServer) => n.proc.exitCode !== null || n.proc.signalCode !== null;
  if (down(A)) A = await cluster.start();
  if (down(B)) B = await cluster.start();
}, 60_000);
afterEach(() => {
  clients.closeAll();
  for (const s of sockets.splice(0)) s.disconnect();
});
afterAll(async () => {
  await cluster?.destroy();
}, 60_000);

/** A fresh project owned by the team's owner, with the editor and the viewer (made through process A). */
async function project(name: string): Promise<string> {
  const { owner, editor, viewer } = cluster.team;
  const id = await createProject(A, owner, name);
  await addMember(A, owner, id, editor.username, 'editor');
  await addMember(A, owner, id, viewer.username, 'viewer');
  return id;
}

function socket(server: { url: string }, namespace: '' | '/chat', token?: string, reconnection = false): Socket {
  const s = ioClient(`${server.url}${namespace}`, { path: '/socket.io', transports: ['websocket'], auth: token ? { token } : {}, reconnection, forceNew: true });
  sockets.push(s);
  return s;
}
const emit = <T>(s: Socket, event: string, ...args: unknown[]) => new Promise<T>((resolve) => s.emit(event, ...args, resolve));

async function joinChat(s: Socket, slug: string, nickname: string): Promise<void> {
  const r = await emit<ChatJoinResult>(s, 'chat:join', { slug, nickname });
  if (!r.ok) throw new Error(`chat:join failed: ${JSON.stringify(r)}`);
}
function chatLog(s: Socket): ChatMessageView[] {
  const got: ChatMessageView[] = [];
  s.on('chat:messages', (batch: ChatMessageView[]) => got.push(...batch));
  return got;
}
async function chatSend(s: Socket, body: string): Promise<void> {
  const r = await emit<{ ok: boolean }>(s, 'chat:send', { body });
  expect(r, `chat:send ${body}`).toMatchObject({ ok: true });
}
async function publicChannel(name: string): Promise<string> {
  const r = await api(A, 'POST', `/api/projects/${cluster.team.projectId}/channels`, {
    token: cluster.team.owner.token,
    body: { name, slug: uniqueName('cl').replace(/_/g, '-').toLowerCase(), visibility: 'public' }
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.slug;
}

/** What the database holds of a project's document: its snapshot and every later update. */
async function storedDoc(projectId: string) {
  const db = openDatabase(cluster.database.url);
  try {
    return rebuild(await new DocLogRepository(db.kysely).load(projectId));
  } finally {
    await db.close();
  }
}

const presence = (u: TestUser, role: Role) => ({ id: u.id, name: u.username, username: u.username, color: colorForId(u.id), role });
const seesUser = (c: YClient, userId: string) => [...c.provider.awareness.getStates().values()].some((s) => (s as { user?: { id?: string } }).user?.id === userId);
// Deep equality without key order: replicas may hold a record's fields in different orders.
const converged = (cs: YClient[]) => cs.every((c) => isDeepStrictEqual(docFingerprint(c.doc), docFingerprint(cs[0].doc)));

describe('two web processes as one studio', () => {
  it('presence: a user on A sees a user on B in the project awareness, and the reverse', async () => {
    const projectId = await project('Presence');
    const { owner, editor } = cluster.team;
    const [onA] = await clients.connectSynced(A.wsUrl, projectId, [owner.token]);
    const [onB] = await clients.connectSynced(B.wsUrl, projectId, [editor.token]);
    onA.provider.awareness.setLocalStateField('user', presence(owner, 'owner'));
    onB.provider.awareness.setLocalStateField('user', presence(editor, 'editor'));
    await waitFor(() => seesUser(onA, editor.id), 'the owner on A to see the editor on B');
    await waitFor(() => seesUser(onB, owner.id), 'the editor on B to see the owner on A');
    // And an edit on one side shows on the other.
    onB.doc.getText('notes').insert(0, 'written on B');
    await waitFor(() => notes(onA) === 'written on B', 'the edit made through B to reach the client on A');
  });

  it('chat: a listener on A receives a message sent on B, and the reverse', async () => {
    const slug = await publicChannel('Two-node FM');
    const [onA, onB] = [socket(A, '/chat'), socket(B, '/chat')];
    await joinChat(onA, slug, 'Ada on A');
    await joinChat(onB, slug, 'Bo on B');
    const [gotA, gotB] = [chatLog(onA), chatLog(onB)];
    await chatSend(onB, 'hello from B');
    await waitFor(() => gotA.some((m) => m.body === 'hello from B'), 'the listener on A to get the message sent on B');
    await chatSend(onA, 'hello from A');
    await waitFor(() => gotB.some((m) => m.body === 'hello from A'), 'the listener on B to get the message sent on A');
    expect(gotA.find((m) => m.body === 'hello from B')?.name).toBe('Bo on B');
    expect(gotB.find((m) => m.body === 'hello from A')?.name).toBe('Ada on A');
  });

  it('job progress crosses: a worker on A runs a job whose member, connected to B, sees its progress and completion', async () => {
    const { team } = cluster;
    const worker = cluster.spawnWorker('cluster-worker', [A.url], ['--only', 'system.sleep']);
    await waitForWorkers(cluster, ['cluster-worker']);
    expect((await cluster.workersOn(A)).map((w) => w.name)).toContain('cluster-worker');
    expect((await cluster.workersOn(B)).map((w) => w.name)).not.toContain('cluster-worker');

    const member = socket(B, '', team.viewer.token);
    const seen: JobJson[] = [];
    member.on('job', (j: JobJson) => seen.push(j));
    expect(await emit<{ ok: boolean }>(member, 'project:join', team.projectId)).toMatchObject({ ok: true });

    const queued = await api(B, 'POST', `/api/projects/${team.projectId}/jobs`, { token: team.editor.token, body: { type: 'system.sleep', input: { ms: 1500 } } });
    expect([200, 201]).toContain(queued.status);
    const id = (queued.body as JobJson).id;
    await waitFor(() => seen.some((j) => j.id === id && j.status === 'succeeded'), 'the member on B to see the job succeed', 30_000);
    const mine = seen.filter((j) => j.id === id);
    expect(mine.some((j) => j.status === 'running' && j.progress > 0 && j.progress < 1), `progress seen on B: ${JSON.stringify(mine.map((j) => [j.status, j.progress]))}`).toBe(true);
    expect(mine.at(-1)).toMatchObject({ status: 'succeeded', progress: 1 });
    worker.proc.kill('SIGTERM');
  }, 120_000);

  it('clients on both processes co-edit with seeded random edits and converge; after SIGTERM of both, a third process loads the same document', async () => {
    const projectId = await project('Co-edit');
    const { owner, editor, viewer } = cluster.team;
    const seats: Array<[RunningServer, TestUser, Role]> = [
      [A, owner, 'owner'],
      [B, editor, 'editor'],
      [A, editor, 'editor'],
      [B, owner, 'owner']
    ];
    const cs = seats.map(([node, user]) => clients.connect(node.wsUrl, projectId, user.token));
    await Promise.all(cs.map((c) => c.synced));
    const ctxs = cs.map((c, i) => ({ project: new ProjectDoc(c.doc), origin: userOrigin(seats[i][1].id), role: seats[i][2], user: { id: seats[i][1].id, name: seats[i][1].username } }));

    const rng = seededRng(8_2026);
    for (let step = 0; step < 240; step++) {
      randomEdit(rng.pick(ctxs), rng);
      // Short pauses let edits cross the processes while others are being made on top of stale states.
      if (rng.chance(0.2)) await new Promise((r) => setTimeout(r, rng.int(15)));
    }
    await waitFor(() => converged(cs), 'the four clients on two processes to converge', 30_000);
    for (const c of cs) {
      expect(c.doc.store.pendingStructs).toBeNull();
      expect(c.doc.store.pendingDs).toBeNull();
    }
    const state = docFingerprint(cs[0].doc);
    expect(state.content.notes.length + state.content.comments.length).toBeGreaterThan(0);

    // Both stop gracefully while their clients are still connected; what remains is what they persisted.
    expect(await A.stop()).toBe(0);
    expect(await B.stop()).toBe(0);
    clients.closeAll();
    expect(docFingerprint(await storedDoc(projectId)).content).toEqual(state.content);
    const C = await cluster.start();
    const [fresh] = await clients.connectSynced(C.wsUrl, projectId, [viewer.token]);
    expect(docFingerprint(fresh.doc)).toEqual(state);
    A = C;
  }, 90_000);

  it('SIGKILL of one process mid-session loses nothing: its clients move to the other, every edit is converged and stored, chat goes on', async () => {
    const projectId = await project('Kill');
    const slug = await publicChannel('Kill FM');
    const { owner, editor } = cluster.team;
    // What a load balancer does: new connections go to A (or B) first, to the other when that one refuses.
    const [viaA, viaB] = [await cluster.balancer([A, B]), await cluster.balancer([B, A])];
    const [a1, a2] = await clients.connectSynced(viaA.wsUrl, projectId, [owner.token, editor.token]);
    const [b1] = await clients.connectSynced(viaB.wsUrl, projectId, [editor.token]);
    expect(viaA.routed.every((p) => p === A.port)).toBe(true);

    // A chat listener that rejoins on every (re)connection, as the stream page does.
    const chatA = socket(viaA, '/chat', undefined, true);
    let joinsA = 0;
    chatA.on('connect', () => void joinChat(chatA, slug, 'Ada via A').then(() => joinsA++));
    const chatB = socket(B, '/chat');
    await joinChat(chatB, slug, 'Bo on B');
    const [gotA, gotB] = [chatLog(chatA), chatLog(chatB)];
    await waitFor(() => joinsA === 1, 'the chat listener to join through A');
    await chatSend(chatA, 'before the kill');
    await waitFor(() => gotB.some((m) => m.body === 'before the kill'), 'chat from A to B before the kill');

    const rng = seededRng(9_2026);
    const made: string[][] = [[], [], []];
    const COUNT = 60;
    const streams = Promise.all([editStream(a1, 'p', rng, COUNT, made[0], 15), editStream(a2, 'q', rng, COUNT, made[1], 15), editStream(b1, 'r', rng, COUNT, made[2], 15)]);
    await waitFor(() => made.every((m) => m.length >= 20), 'the edit streams to be under way');
    await A.kill9();
    const madeAtKill = made.map((m) => m.length);
    await streams;
    const all = made.flat();
    expect(all).toHaveLength(3 * COUNT);
    // Edits were made on A's clients after the kill, before and after they reconnected through the balancer to B.
    expect(madeAtKill.every((n) => n < COUNT)).toBe(true);

    const cs = [a1, a2, b1];
    await waitFor(() => cs.every((c) => c.provider.wsconnected) && converged(cs) && all.every((t) => notes(a1).includes(t)), 'the clients of the killed process to reconnect to B and converge on every edit', 30_000);
    expect(viaA.routed.filter((p) => p === B.port).length).toBeGreaterThanOrEqual(2);
    for (const [i, c] of cs.entries()) expectAll(notes(c), all, `client ${i}`);
    // Stored while B keeps serving: every edit is in the database, not only in B's memory.
    let stored = '';
    const storedHasAll = async () => {
      stored = (await storedDoc(projectId)).getText('notes').toString();
      return all.every((t) => stored.includes(t));
    };
    await waitFor(storedHasAll, 'every edit to be in the stored document', 15_000).catch(() => undefined);
    expectAll(stored, all, 'the stored document');

    // Chat goes on: the listener that was on A is back through B, both ways.
    await waitFor(() => joinsA === 2, 'the chat listener of the killed process to rejoin through B', 20_000);
    await chatSend(chatA, 'after the kill');
    await waitFor(() => gotB.some((m) => m.body === 'after the kill'), 'chat from the rerouted listener to B');
    await chatSend(chatB, 'still here');
    await waitFor(() => gotA.some((m) => m.body === 'still here'), 'chat from B to the rerouted listener');
  }, 90_000);
});
