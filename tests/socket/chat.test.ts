import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { AckResult, ChatClientToServerEvents, ChatJoinResult, ChatServerToClientEvents } from '$lib/events';
import type { ChatMessageView } from '$lib/channel';
import { api, createTeam, signup, uniqueName, type Team, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

type ChatSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;
type Joined = Extract<ChatJoinResult, { ok: true }>;

describe('live chat over socket.io', () => {
  let server: RunningServer;
  let team: Team;
  let listener: TestUser;
  const sockets: ChatSocket[] = [];
  let ipCounter = 0;
  /** Each test client gets its own address (the server trusts X-Forwarded-For here), so limits do not leak between tests. */
  const newIp = () => `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

  const connect = (opts: { token?: string; ip?: string } = {}): ChatSocket => {
    const s: ChatSocket = ioClient(`${server.url}/chat`, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: opts.token ? { token: opts.token } : {},
      extraHeaders: { 'x-forwarded-for': opts.ip ?? newIp() },
      reconnection: false,
      forceNew: true
    });
    sockets.push(s);
    return s;
  };
  /** Emits with an ack, without the typed map, so tests can send what a hostile client would. */
  const emit = <T = AckResult<Record<string, unknown>>>(s: ChatSocket, event: string, ...args: unknown[]) =>
    new Promise<T>((resolve) => (s.emit as (e: string, ...a: unknown[]) => void)(event, ...args, resolve));
  const join = async (s: ChatSocket, payload: { slug: string; guestId?: string; nickname?: string }): Promise<Joined> => {
    const r = await emit<ChatJoinResult>(s, 'chat:join', payload);
    if (!r.ok) throw new Error(`join failed: ${JSON.stringify(r)}`);
    return r;
  };
  const send = (s: ChatSocket, body: unknown) => emit<AckResult<{ message: ChatMessageView }>>(s, 'chat:send', { body });
  const received = (s: ChatSocket) => {
    const messages: ChatMessageView[] = [];
    s.on('chat:messages', (batch) => messages.push(...batch));
    return messages;
  };
  const channel = async (settings: Record<string, unknown> = {}) => {
    const r = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Chat FM', slug: uniqueName('chat').replace(/_/g, '-').toLowerCase(), ...settings } });
    if (r.status !== 201) throw new Error(`channel: ${JSON.stringify(r.body)}`);
    return r.body as { id: string; slug: string };
  };

  beforeAll(async () => {
    // A wide batch window, so that a burst of posts on a busy test machine still falls within one.
    server = await startServer({ env: { ADDRESS_HEADER: 'x-forwarded-for', CHAT_BATCH_MS: '150' } });
    team = await createTeam(server, 'Chat station');
    listener = await signup(server, uniqueName('listener'));
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('a guest and a member exchange messages; a newcomer gets the history', async () => {
    const { slug } = await channel();
    const member = connect({ token: team.owner.token });
    const guest = connect();
    const me = await join(member, { slug });
    expect(me.you).toMatchObject({ name: team.owner.username, role: 'owner', moderator: true, muted: false, guestId: null });
    const g = await join(guest, { slug, nickname: 'Lou the Listener' });
    expect(g.you).toMatchObject({ name: 'Lou the Listener', role: 'guest', moderator: false });
    expect(g.you.guestId).toMatch(/^[a-z2-7]{20,}$/);
    expect(g.history).toEqual([]);
    const atMember = received(member);
    const atGuest = received(guest);

    const sent = await send(guest, '  hello from the guest  ');
    expect(sent).toMatchObject({ ok: true, message: { body: 'hello from the guest', name: 'Lou the Listener', role: 'guest' } });
    expect((await send(member, 'welcome, Lou')).ok).toBe(true);
    await waitFor(() => atMember.length === 2 && atGuest.length === 2, 'both messages at both clients');
    expect(atGuest.map((m) => [m.name, m.role, m.body])).toEqual([
      ['Lou the Listener', 'guest', 'hello from the guest'],
      [team.owner.username, 'owner', 'welcome, Lou']
    ]);
    expect(atMember).toEqual(atGuest);

    const later = await join(connect(), { slug, guestId: g.you.guestId!, nickname: 'Lou again' });
    expect(later.you.guestId).toBe(g.you.guestId);
    expect(later.history.map((m) => m.body)).toEqual(['hello from the guest', 'welcome, Lou']);
  });

  it('<script> arrives as text, verbatim; control characters are stripped', async () => {
    const { slug } = await channel();
    const a = connect();
    const b = connect({ token: listener.token });
    await join(a, { slug, nickname: 'Mallory' });
    const bJoin = await join(b, { slug });
    expect(bJoin.you.role).toBe('user');
    const atB = received(b);
    expect((await send(a, '<script>alert(1)</script>')).ok).toBe(true);
    expect((await send(a, 'bi\u202Edi\u0000 \u200Bzero\nline')).ok).toBe(true);
    await waitFor(() => atB.length === 2, 'two messages');
    expect(typeof atB[0]!.body).toBe('string');
    expect(atB[0]!.body).toBe('<script>alert(1)</script>');
    expect(atB[1]!.body).toBe('bidi zero line');
  });

  it('a flood is limited per connection and per address, with a clear message', async () => {
    const { slug } = await channel();
    const ip = newIp();
    const flooder = connect({ ip });
    await join(flooder, { slug, nickname: 'Flooder' });
    const results: AckResult[] = [];
    for (let i = 0; i < 10 && !results.some((r) => !r.ok); i++) results.push(await send(flooder, `spam ${i}`));
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(3);
    const refused = results.at(-1)!;
    expect(refused).toEqual({ ok: false, error: { code: 'rate_limited', message: 'You are sending too fast: wait 10 s.' } });

    // Another connection from the same address is blocked too; one from elsewhere is not.
    const sameIp = connect({ ip });
    await join(sameIp, { slug, nickname: 'Flooder two' });
    expect(await send(sameIp, 'me too')).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const elsewhere = connect();
    await join(elsewhere, { slug, nickname: 'Calm' });
    expect((await send(elsewhere, 'hello')).ok).toBe(true);

    expect(await send(elsewhere, 'x'.repeat(501))).toEqual({ ok: false, error: { code: 'too_long', message: 'Messages have at most 500 characters.' } });
    expect((await send(elsewhere, 'é'.repeat(500))).ok).toBe(true);
  });

  it('a banned guest cannot post, not even with a new guest id from the same address', async () => {
    const { slug } = await channel();
    const mod = connect({ token: team.viewer.token });
    expect((await join(mod, { slug })).you).toMatchObject({ role: 'viewer', moderator: true });
    const ip = newIp();
    const troll = connect({ ip });
    const t = await join(troll, { slug, nickname: 'Troll' });
    const posted = await send(troll, 'buy my stuff');
    if (!posted.ok) throw new Error('troll could not post');
    const notified = new Promise<{ kind: string; until: string | null }>((resolve) => troll.once('chat:restricted', resolve));

    expect(await emit(mod, 'chat:ban', { messageId: posted.message.id })).toEqual({ ok: true, until: null });
    expect(await notified).toEqual({ kind: 'ban', until: null });
    expect(await send(troll, 'still here')).toEqual({ ok: false, error: { code: 'banned', message: 'You are banned from this chat.' } });

    const fresh = connect({ ip });
    const f = await join(fresh, { slug, nickname: 'Totally New' });
    expect(f.you.guestId).not.toBe(t.you.guestId);
    expect(f.you.banned).toBe(true);
    expect(await send(fresh, 'new me')).toMatchObject({ ok: false, error: { code: 'banned' } });
    const sameIdElsewhere = connect();
    await join(sameIdElsewhere, { slug, guestId: t.you.guestId!, nickname: 'Troll' });
    expect(await send(sameIdElsewhere, 'from my phone')).toMatchObject({ ok: false, error: { code: 'banned' } });

    const bystander = connect();
    await join(bystander, { slug, nickname: 'Bystander' });
    expect((await send(bystander, 'good riddance')).ok).toBe(true);
  });

  it('a muted user cannot post until the mute ends; moderators act only below their role', async () => {
    const { slug } = await channel();
    const owner = connect({ token: team.owner.token });
    const viewer = connect({ token: team.viewer.token });
    const user = connect({ token: listener.token });
    await Promise.all([join(owner, { slug }), join(viewer, { slug }), join(user, { slug })]);
    const userPost = await send(user, 'first!');
    const ownerPost = await send(owner, 'hello all');
    if (!userPost.ok || !ownerPost.ok) throw new Error('posting failed');

    expect(await emit(viewer, 'chat:mute', { messageId: ownerPost.message.id, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(user, 'chat:mute', { messageId: ownerPost.message.id, seconds: 60 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(owner, 'chat:mute', { messageId: userPost.message.id })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    const muted = await emit<AckResult<{ until: string }>>(owner, 'chat:mute', { messageId: userPost.message.id, seconds: 2 });
    expect(muted.ok).toBe(true);
    const refused = await send(user, 'let me talk');
    expect(refused).toMatchObject({ ok: false, error: { code: 'muted' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/^You are muted for [12] more seconds?\.$/);
    // Poll (slower than the flood limit) until the mute has run out.
    let after: AckResult = refused;
    const deadline = Date.now() + 20_000;
    while (!after.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1100));
      after = await send(user, 'back again');
      if (!after.ok) expect(after.error.code).toBe('muted');
    }
    expect(after.ok).toBe(true);

    const long = await send(owner, 'mute me long');
    if (!long.ok) throw new Error('post failed');
    const second = await send(user, 'and again');
    if (!second.ok) throw new Error('post failed');
    expect((await emit(viewer, 'chat:mute', { messageId: second.message.id, seconds: 600 })).ok).toBe(true);
    expect(await send(user, 'hm')).toEqual({ ok: false, error: { code: 'muted', message: 'You are muted for 10 more minutes.' } });
  });

  it('a burst from many listeners arrives together, in order, and a deletion after the messages it follows', async () => {
    const { slug } = await channel();
    const mod = connect({ token: team.editor.token });
    await join(mod, { slug });
    const batches: ChatMessageView[][] = [];
    const events: string[] = [];
    mod.on('chat:messages', (batch) => {
      batches.push(batch);
      events.push(...batch.map((m) => `message ${m.body}`));
    });
    mod.on('chat:deleted', (e) => events.push(`deleted ${e.messageId}`));
    const guests = Array.from({ length: 8 }, () => connect());
    await Promise.all(guests.map((g, i) => join(g, { slug, nickname: `Burst ${i}` })));
    // All at once: the first goes out alone, the rest come within the server's batch window.
    const posted = await Promise.all(guests.map((g, i) => send(g, `burst ${i}`)));
    const last = posted[7];
    if (!posted.every((r) => r.ok) || !last.ok) throw new Error(`post failed: ${JSON.stringify(posted)}`);
    expect(await emit(mod, 'chat:delete', { messageId: last.message.id })).toEqual({ ok: true });
    await waitFor(() => events.length === 9, 'eight messages and a deletion');
    expect(batches.length).toBeLessThan(8);
    expect(batches.flat().map((m) => m.body).sort()).toEqual(guests.map((_, i) => `burst ${i}`).sort());
    // The deletion was sent when its message may still have been waiting: it comes after it all the same.
    expect(events.at(-1)).toBe(`deleted ${last.message.id}`);
  });

  it('a moderator deletes a message and every client sees it go', async () => {
    const { slug } = await channel();
    const mod = connect({ token: team.editor.token });
    const guest = connect();
    await join(mod, { slug });
    await join(guest, { slug, nickname: 'Oops' });
    const deletedAtGuest: string[] = [];
    const deletedAtMod: string[] = [];
    guest.on('chat:deleted', (e) => deletedAtGuest.push(e.messageId));
    mod.on('chat:deleted', (e) => deletedAtMod.push(e.messageId));
    const keep = await send(guest, 'keep me');
    const oops = await send(guest, 'something regrettable');
    if (!oops.ok || !keep.ok) throw new Error('post failed');

    expect(await emit(guest, 'chat:delete', { messageId: keep.message.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(mod, 'chat:delete', { messageId: oops.message.id })).toEqual({ ok: true });
    await waitFor(() => deletedAtGuest.length === 1 && deletedAtMod.length === 1, 'chat:deleted at both clients');
    expect(deletedAtGuest).toEqual([oops.message.id]);
    expect(deletedAtMod).toEqual([oops.message.id]);
    expect((await join(connect(), { slug, nickname: 'Late' })).history.map((m) => m.body)).toEqual(['keep me']);
    expect(await emit(mod, 'chat:delete', { messageId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('slow mode limits guests, not moderators, and everyone is told', async () => {
    const { slug, id } = await channel();
    const mod = connect({ token: team.owner.token });
    const guest = connect();
    await join(mod, { slug });
    await join(guest, { slug, nickname: 'Chatty' });
    const told: number[] = [];
    guest.on('chat:slowmode', (e) => told.push(e.seconds));
    expect(await emit(guest, 'chat:slowmode', { seconds: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(mod, 'chat:slowmode', { seconds: 'fast' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(mod, 'chat:slowmode', { seconds: 30 })).toEqual({ ok: true, seconds: 30 });
    await waitFor(() => told.includes(30), 'slow mode announced');
    expect((await api(server, 'GET', `/api/channels/${id}`, { token: team.owner.token })).body.slowModeSeconds).toBe(30);

    expect((await send(guest, 'one')).ok).toBe(true);
    const second = await send(guest, 'two');
    expect(second).toMatchObject({ ok: false, error: { code: 'slow_mode' } });
    if (!second.ok) expect(second.error.message).toMatch(/^Slow mode: one message every 30 s \(wait \d+ s\)\.$/);
    expect((await send(mod, 'mods are exempt')).ok).toBe(true);
    expect((await send(mod, 'still exempt')).ok).toBe(true);

    expect((await emit(mod, 'chat:slowmode', { seconds: 0 })).ok).toBe(true);
    expect((await send(guest, 'free again')).ok).toBe(true);
  });

  it('private channels and channels with chat off refuse guests; nicknames may not impersonate', async () => {
    const priv = await channel({ visibility: 'private' });
    const off = await channel({ chatEnabled: false });
    const open = await channel();
    const guest = connect();
    expect(await emit(guest, 'chat:join', { slug: priv.slug, nickname: 'Sneaky' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await join(connect({ token: team.viewer.token }), { slug: priv.slug })).you.role).toBe('viewer');
    expect(await emit(guest, 'chat:join', { slug: off.slug, nickname: 'Sneaky' })).toMatchObject({ ok: false, error: { code: 'chat_disabled' } });
    for (const nickname of [team.owner.username, team.editor.username.toUpperCase(), 'Admin', 'x', 'a'.repeat(33), '<b>bold</b>', '   ']) {
      const r = await emit(guest, 'chat:join', { slug: open.slug, nickname });
      expect(r, nickname).toMatchObject({ ok: false, error: { code: 'bad_nickname' } });
    }
    expect((await join(guest, { slug: open.slug, nickname: 'Honest Abe' })).you.name).toBe('Honest Abe');
  });

  it('garbage gets an error ack and the server keeps serving', async () => {
    const { slug } = await channel();
    const s = connect();
    expect(await send(s, 'before joining')).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    expect(await emit(s, 'chat:join', 42)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:join', { slug: 42 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:join', { slug: '../../etc', nickname: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await emit(s, 'chat:join', null)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:join')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:join', { slug, nickname: { evil: true } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await join(s, { slug, nickname: 'Fuzzer' });
    for (const body of [42, null, { nested: 'object' }, ['array'], true]) {
      expect(await emit(s, 'chat:send', { body })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
    expect(await emit(s, 'chat:send', 'just a string')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:send', { body: 'x'.repeat(200_000) })).toMatchObject({ ok: false, error: { code: 'too_long' } });
    expect(await emit(s, 'chat:send', { body: '\u0000\u0001   ' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(s, 'chat:nonsense', { body: 'x' })).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    expect(await emit(s, 'chat:ban', { messageId: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    (s.emit as (e: string, ...a: unknown[]) => void)('chat:send', { body: 'no ack' });
    (s.emit as (e: string, ...a: unknown[]) => void)('project:join', 'abc');

    // Over the 1 MB frame limit the connection is dropped, not the server.
    const huge = connect();
    await join(huge, { slug, nickname: 'Huge' });
    const gone = new Promise<string>((resolve) => huge.once('disconnect', resolve));
    huge.emit('chat:send', { body: 'y'.repeat(2_000_000) }, () => undefined);
    expect(await gone).toBeTruthy();

    expect((await send(s, 'still standing')).ok).toBe(true);
    const other = connect();
    await join(other, { slug, nickname: 'After' });
    expect((await send(other, 'me too')).ok).toBe(true);
    expect((await fetch(`${server.url}/health`)).ok).toBe(true);
  });

  it('counts chat messages and connections in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/airstudio_chat_messages_total\{result="posted"\} [1-9]/);
    expect(text).toMatch(/airstudio_chat_messages_total\{result="rate_limited"\} [1-9]/);
    expect(text).toMatch(/airstudio_chat_connections_total [1-9]/);
  });
});
