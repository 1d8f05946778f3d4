import http from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { JobJson } from '$lib/job';
import type { ChatMessageView } from '$lib/channel';
import { attachRealtime, type StudioServer } from '$lib/server/studio-server';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import type { UserRow } from '$lib/server/db/schema';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { TEST_PASSWORD, uniqueName } from '../helpers/api';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis';
import { waitFor } from '../helpers/yclient';

/** One web process of the install: its own App (own Redis connections) and HTTP server, the database shared. */
interface WebProcess {
  t: TestApp;
  studio: StudioServer;
  url: string;
  /** Cuts every TCP connection to this process, as a network blip would. */
  dropConnections(): void;
}

async function startProcess(env: Record<string, string>, shared?: TestApp): Promise<WebProcess> {
  const t = await createTestApp('postgres', env, shared?.database);
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const connections = new Set<TcpSocket>();
  server.on('connection', (c) => {
    connections.add(c);
    c.on('close', () => connections.delete(c));
  });
  const studio = attachRealtime(t.app, server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { t, studio, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dropConnections: () => connections.forEach((c) => c.destroy()) };
}

type AnySocket = Socket;
type Ack = { ok: boolean; error?: { code: string; message: string }; [k: string]: unknown };

describe('two web processes sharing PostgreSQL and Redis', () => {
  const prefix = testRedisPrefix('cluster');
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    LOGIN_MAX_FAILURES_PER_USER: '4',
    LOGIN_MAX_FAILURES_PER_IP: '1000',
    CHAT_RATE_MESSAGES: '3',
    CHAT_RATE_SECONDS: '60',
    CHAT_BATCH_MS: '20',
    // Every web process of an install has the same one (README): chat hashes addresses with it.
    SIGNING_SECRET: 'cluster-test-signing-secret-of-at-least-32-chars'
  };
  let a: WebProcess;
  let b: WebProcess;
  let owner: UserRow;
  let slug: string;
  let channelId: string;
  const sockets: AnySocket[] = [];
  let ipCounter = 0;
  /** Each test's clients get their own address (chat limits count per address too). */
  const newIp = () => `10.77.0.${++ipCounter}`;

  const connect = (p: WebProcess, nsp: '/' | '/chat', opts: { cookie?: string; token?: string; ip?: string; reconnection?: boolean } = {}): AnySocket => {
    const headers: Record<string, string> = { 'x-forwarded-for': opts.ip ?? newIp() };
    if (opts.cookie) headers.cookie = `airstudio_session=${opts.cookie}`;
    const s = ioClient(`${p.url}${nsp === '/' ? '' : nsp}`, { path: '/socket.io', transports: ['websocket'], extraHeaders: headers, auth: opts.token ? { token: opts.token } : {}, reconnection: opts.reconnection ?? false, forceNew: true });
    sockets.push(s);
    return s;
  };
  const connected = (s: AnySocket) =>
    new Promise<void>((resolve, reject) => {
      if (s.connected) return resolve();
      s.once('connect', () => resolve());
      s.once('connect_error', (e) => reject(e));
    });
  /** Emits with an ack, without the typed map, so a test can send what a hostile client would. */
  const emit = (s: AnySocket, event: string, ...args: unknown[]) => new Promise<Ack>((resolve) => s.emit(event, ...args, resolve));
  const joinChat = async (s: AnySocket, nickname: string) => {
    const r = await emit(s, 'chat:join', { slug, nickname });
    if (!r.ok) throw new Error(`chat:join: ${JSON.stringify(r)}`);
    return r;
  };
  const chatReceived = (s: AnySocket) => {
    const messages: ChatMessageView[] = [];
    s.on('chat:messages', (batch: ChatMessageView[]) => messages.push(...batch));
    return messages;
  };
  const guestId = () => Array.from({ length: 24 }, () => 'abcdefghijklmnopqrstuvwxyz234567'[randomInt(32)]).join('');

  beforeAll(async () => {
    // The chat reads the client's address from this header, as behind a proxy.
    process.env.ADDRESS_HEADER = 'x-forwarded-for';
    a = await startProcess(env);
    b = await startProcess(env, a.t);
    owner = await makeUser(a.t.app, 'owner');
    const project = await a.t.app.projects.create(owner, 'Cluster FM');
    const channel = await a.t.app.channels.create(owner, project.id, createChannelSchema.parse({ name: 'Cluster FM', slug: uniqueName('cluster').replace(/_/g, '-').toLowerCase() }));
    slug = channel.slug;
    channelId = channel.id;
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    for (const p of [b, a]) {
      await p?.studio.close();
      await p?.t.close();
    }
    await dropRedisPrefix(prefix);
    delete process.env.ADDRESS_HEADER;
  });

  it('chat messages from a listener on A reach listeners on B', async () => {
    const onA = connect(a, '/chat');
    const onB1 = connect(b, '/chat');
    const onB2 = connect(b, '/chat');
    await joinChat(onA, 'Ada on A');
    await joinChat(onB1, 'Bo on B');
    await joinChat(onB2, 'Bea on B');
    const at1 = chatReceived(onB1);
    const at2 = chatReceived(onB2);

    const sent = await emit(onA, 'chat:send', { body: 'hello from process A' });
    expect(sent).toMatchObject({ ok: true, message: { body: 'hello from process A', name: 'Ada on A' } });
    await waitFor(() => at1.length > 0 && at2.length > 0, 'the message on both B listeners');
    expect(at1.map((m) => m.body)).toEqual(['hello from process A']);
    expect(at2.map((m) => m.body)).toEqual(['hello from process A']);
  });

  it('job progress made through A reaches a project member connected to B', async () => {
    const member = await makeUser(a.t.app, 'member');
    const project = await a.t.app.projects.create(owner, 'Jobs across processes');
    await a.t.app.projects.addMember(owner, project.id, member.username, 'editor');
    const { token } = await b.t.app.accounts.login({ username: member.username, password: TEST_PASSWORD }, '10.77.1.1', null);
    const s = connect(b, '/', { cookie: token });
    expect(await emit(s, 'project:join', project.id)).toMatchObject({ ok: true, role: 'editor' });
    const seen: JobJson[] = [];
    s.on('job', (job: JobJson) => seen.push(job));

    const { job } = await a.t.app.jobs.enqueue(project.id, { type: 'system.echo', input: null, createdBy: owner.id });
    const claimed = await a.t.app.jobs.claim('worker-on-a', { types: ['system.echo'], ownerId: null });
    expect(claimed?.job.id).toBe(job.id);
    await a.t.app.jobs.progress('worker-on-a', job.id, 0.5, 'halfway');
    await waitFor(() => seen.some((j) => j.id === job.id && j.progress === 0.5), 'the progress on B');
    expect(seen.find((j) => j.progress === 0.5)).toMatchObject({ projectId: project.id, status: 'running', progressMessage: 'halfway' });
  });

  it('listener counts add up across processes, and the count reaches listeners on both', async () => {
    const onA = connect(a, '/chat');
    const onB = connect(b, '/chat');
    await Promise.all([connected(onA), connected(onB)]);
    const countsOnA: number[] = [];
    onA.on('channel:listeners', (e: { channelId: string; listeners: number }) => e.channelId === channelId && countsOnA.push(e.listeners));
    onA.emit('listener:heartbeat', { slug, guestId: guestId(), playing: true });
    await waitFor(async () => (await a.t.app.listeners.count(channelId)) === 1, 'one listener counted');
    onB.emit('listener:heartbeat', { slug, guestId: guestId(), playing: true });
    await waitFor(async () => (await a.t.app.listeners.count(channelId)) === 2, 'B’s listener counted on A');
    expect(await b.t.app.listeners.count(channelId)).toBe(2);
    // B's count change goes to the channel's room on every process: the listener on A sees 2.
    await waitFor(() => countsOnA.includes(2), 'A’s page told of 2 listeners');

    onB.disconnect();
    await waitFor(async () => (await a.t.app.listeners.count(channelId)) === 1, 'B’s listener gone on A');
    onA.emit('listener:heartbeat', { slug, guestId: guestId(), playing: false });
  });

  it('revoking a session on A disconnects its sockets on B; other sessions and API tokens stay until theirs end', async () => {
    const user = await makeUser(a.t.app, 'revoked');
    const first = await a.t.app.accounts.login({ username: user.username, password: TEST_PASSWORD }, '10.77.1.2', null);
    const second = await a.t.app.accounts.login({ username: user.username, password: TEST_PASSWORD }, '10.77.1.2', null);
    const firstId = (await a.t.app.sessions.validate(first.token))!.session.id;
    const studioFirst = connect(b, '/', { cookie: first.token });
    const chatFirst = connect(b, '/chat', { cookie: first.token });
    const studioSecond = connect(b, '/', { cookie: second.token });
    const headless = connect(b, '/', { token: (await a.t.app.tokens.create(user.id, 'headless')).token });
    await Promise.all([studioFirst, chatFirst, studioSecond, headless].map(connected));
    const reasons = new Map<AnySocket, string>();
    for (const s of [studioFirst, chatFirst, studioSecond, headless]) s.on('disconnect', (reason) => reasons.set(s, reason));

    await a.t.app.sessions.invalidate(firstId);
    await waitFor(() => reasons.has(studioFirst) && reasons.has(chatFirst), 'the first session’s sockets on B closed');
    expect(reasons.get(studioFirst)).toBe('io server disconnect');
    expect(reasons.get(chatFirst)).toBe('io server disconnect');
    expect(studioSecond.connected).toBe(true);

    await a.t.app.sessions.invalidateAll(user.id);
    await waitFor(() => reasons.has(studioSecond), 'the second session’s socket on B closed');
    expect(reasons.get(studioSecond)).toBe('io server disconnect');
    expect(headless.connected).toBe(true);
  });

  it('removing a member on A takes their socket on B out of the project room', async () => {
    const member = await makeUser(a.t.app, 'removed');
    const project = await a.t.app.projects.create(owner, 'Removal across processes');
    await a.t.app.projects.addMember(owner, project.id, member.username, 'viewer');
    const { token } = await a.t.app.accounts.login({ username: member.username, password: TEST_PASSWORD }, '10.77.1.5', null);
    const s = connect(b, '/', { cookie: token });
    expect(await emit(s, 'project:join', project.id)).toMatchObject({ ok: true, role: 'viewer' });
    const removed: string[] = [];
    s.on('project:removed', (e: { projectId: string }) => removed.push(e.projectId));
    const jobs: string[] = [];
    s.on('job', (job: JobJson) => jobs.push(job.id));

    await a.t.app.projects.removeMember(owner, project.id, member.username);
    await waitFor(() => removed.length === 1, 'project:removed on B');
    expect(removed).toEqual([project.id]);
    await waitFor(() => !b.studio.io.of('/').adapter.rooms.get(`project:${project.id}`)?.size, 'the room left on B');
    // Nothing more of the project reaches them: a job event after the removal goes to the room they left.
    const { job } = await a.t.app.jobs.enqueue(project.id, { type: 'system.echo', input: null, createdBy: owner.id });
    const control = connect(b, '/', { cookie: (await a.t.app.accounts.login({ username: owner.username, password: TEST_PASSWORD }, '10.77.1.5', null)).token });
    expect(await emit(control, 'project:join', project.id)).toMatchObject({ ok: true, role: 'owner' });
    const seenByOwner: string[] = [];
    control.on('job', (j: JobJson) => seenByOwner.push(j.id));
    await a.t.app.jobs.cancel(owner, job.id);
    await waitFor(() => seenByOwner.includes(job.id), 'the owner on B sees the job');
    expect(jobs).not.toContain(job.id);
  });

  it('a moderator on A bans a guest connected to B: the guest is told at once', async () => {
    const { token } = await a.t.app.accounts.login({ username: owner.username, password: TEST_PASSWORD }, '10.77.1.6', null);
    const moderator = connect(a, '/chat', { cookie: token });
    const guest = connect(b, '/chat');
    expect(await joinChat(moderator, 'ignored for members')).toMatchObject({ you: { moderator: true } });
    await joinChat(guest, 'Troll on B');
    const restricted: { kind: string; until: string | null }[] = [];
    guest.on('chat:restricted', (e: { kind: string; until: string | null }) => restricted.push(e));
    const posted = await emit(guest, 'chat:send', { body: 'spam' });
    const messageId = (posted as unknown as { message: ChatMessageView }).message.id;

    expect(await emit(moderator, 'chat:ban', { messageId, seconds: 600 })).toMatchObject({ ok: true });
    await waitFor(() => restricted.length === 1, 'chat:restricted on B');
    expect(restricted[0].kind).toBe('ban');
    expect(await emit(guest, 'chat:send', { body: 'more spam' })).toMatchObject({ ok: false });
  });

  it('failed logins spread over A and B lock the account at the configured count', async () => {
    const user = await makeUser(a.t.app, 'guessed');
    const attempt = (p: WebProcess, password: string) =>
      p.t.app.accounts.login({ username: user.username, password }, '10.77.1.3', null).then(
        () => 200,
        (e: { status?: number }) => e.status ?? 500
      );
    expect([await attempt(a, 'wrong-1'), await attempt(b, 'wrong-2'), await attempt(a, 'wrong-3'), await attempt(b, 'wrong-4')]).toEqual([401, 401, 401, 401]);
    // The fifth try is refused on either process, even with the right password.
    expect(await attempt(a, TEST_PASSWORD)).toBe(429);
    expect(await attempt(b, TEST_PASSWORD)).toBe(429);
  });

  it('the chat rate limit per address holds across A and B', async () => {
    const ip = newIp();
    const onA = connect(a, '/chat', { ip });
    const onB = connect(b, '/chat', { ip });
    await joinChat(onA, 'Fast on A');
    await joinChat(onB, 'Fast on B');
    const results = [];
    for (const [s, body] of [[onA, 'one'], [onB, 'two'], [onA, 'three'], [onB, 'four']] as const) results.push(await emit(s, 'chat:send', { body }));
    expect(results.slice(0, 3).map((r) => r.ok)).toEqual([true, true, true]);
    expect(results[3]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(results[3].error!.message).toMatch(/wait \d+ s/);
  });

  it('a listener that drops and comes back through the other process gets the messages it missed, still joined', async () => {
    const sender = connect(a, '/chat');
    await joinChat(sender, 'Sender');
    const blip = connect(b, '/chat');
    await joinChat(blip, 'Blip');
    const received = chatReceived(blip);
    // Only the sender's: a batch the previous test left in the fan-out window may still reach the room.
    const got = () => received.filter((m) => m.name === 'Sender').map((m) => m.body);
    await emit(sender, 'chat:send', { body: 'before the blip' });
    await waitFor(() => got().length === 1, 'the first message');

    const blipId = blip.id!;
    const dropped = new Promise<string>((resolve) => blip.once('disconnect', (reason) => resolve(reason)));
    // The network goes (not a goodbye from the client): the server keeps the session for recovery.
    b.dropConnections();
    expect(await dropped).toBe('transport close');
    await waitFor(() => !b.studio.io.of('/chat').sockets.has(blipId), 'B noticed the drop');
    await emit(sender, 'chat:send', { body: 'during the blip' });

    // A load balancer without sticky sessions sends the reconnection to the other process.
    (blip.io as unknown as { uri: string }).uri = a.url;
    blip.connect();
    await connected(blip);
    expect(blip.recovered).toBe(true);
    expect(blip.id).toBe(blipId);
    await waitFor(() => got().length === 2, 'the missed message');
    expect(got()).toEqual(['before the blip', 'during the blip']);
    expect(await emit(blip, 'chat:send', { body: 'back' })).toMatchObject({ ok: true, message: { name: 'Blip' } });
  });

  it('a member removed, or a session ended, while their connection was down does not resume it', async () => {
    const [removed, ended] = [await makeUser(a.t.app, 'away'), await makeUser(a.t.app, 'ended')];
    const project = await a.t.app.projects.create(owner, 'Away and removed');
    const sockets: AnySocket[] = [];
    const jobs = new Map<AnySocket, string[]>();
    for (const user of [removed, ended]) {
      await a.t.app.projects.addMember(owner, project.id, user.username, 'editor');
      const { token } = await a.t.app.accounts.login({ username: user.username, password: TEST_PASSWORD }, '10.77.1.7', null);
      const s = connect(b, '/', { cookie: token });
      expect(await emit(s, 'project:join', project.id)).toMatchObject({ ok: true });
      jobs.set(s, []);
      s.on('job', (job: JobJson) => jobs.get(s)!.push(job.id));
      sockets.push(s);
    }
    const [away, gone] = sockets;
    // A broadcast first: it gives the clients the offset that recovery resumes from.
    const { job: before } = await a.t.app.jobs.enqueue(project.id, { type: 'system.echo', input: null, createdBy: owner.id });
    await waitFor(() => sockets.every((s) => jobs.get(s)!.includes(before.id)), 'the first job event');
    const ids = sockets.map((s) => s.id!);

    b.dropConnections();
    await waitFor(() => ids.every((id) => !b.studio.io.of('/').sockets.has(id)), 'B noticed the drop');
    await a.t.app.projects.removeMember(owner, project.id, removed.username);
    await a.t.app.sessions.invalidateAll(ended.id);
    const { job: during } = await a.t.app.jobs.enqueue(project.id, { type: 'system.echo', input: null, createdBy: owner.id });

    away.connect();
    await connected(away);
    // A fresh connection (through the middlewares) rather than the old one with its rooms and missed packets.
    expect(away.recovered).toBe(false);
    expect(jobs.get(away)).not.toContain(during.id);
    expect(await emit(away, 'project:join', project.id)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // The ended session's reconnection is refused, not resumed.
    gone.connect();
    await expect(connected(gone)).rejects.toMatchObject({ message: 'unauthorized' });
    expect(jobs.get(gone)).not.toContain(during.id);
  });

  it('garbage on the socket still gets clear errors, and the processes keep serving', async () => {
    const user = await makeUser(a.t.app, 'garbage');
    const { token } = await a.t.app.accounts.login({ username: user.username, password: TEST_PASSWORD }, '10.77.1.4', null);
    const studio = connect(b, '/', { cookie: token });
    const chat = connect(a, '/chat');
    expect(await emit(studio, 'project:join', { not: 'an id' })).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('project id') } });
    expect(await emit(chat, 'chat:send', 'just a string')).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('{"body": "hello"}') } });
    expect(await emit(chat, 'chat:send', { body: 'not joined yet' })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    expect(await emit(chat, 'chat:nonsense', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    chat.emit('listener:heartbeat', 42);
    chat.emit('listener:heartbeat', { slug: 12, playing: 'yes' });
    await joinChat(chat, 'Still here');
    expect(await emit(chat, 'chat:send', { body: 'still serving' })).toMatchObject({ ok: true });
  });

  it('/health names the shared Redis, and says what its loss means without failing the process', async () => {
    const report = await b.t.app.health.report();
    expect(report.redis).toMatchObject({ ok: true });
    expect(report.redis!.latencyMs).toBeGreaterThanOrEqual(0);

    // Last in this file: B's command connection goes away for good.
    b.t.app.redis!.client.disconnect();
    const down = await b.t.app.health.report();
    expect(down.status).toBe('ok');
    expect(down.redis).toMatchObject({ ok: false, error: expect.stringMatching(/is not connected.*not shared between web processes/) });
    expect(down.redis!.error).toContain('redis://127.0.0.1');
  });
});
