import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from '$lib/events';
import type { Role } from '$lib/editor/model/role';
import type { MemberView } from '$lib/project';
import { api, createApiToken, createTeam, signup, uniqueName, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

type StudioSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('socket.io on the studio port', () => {
  let server: RunningServer;
  let team: Team;
  const sockets: StudioSocket[] = [];

  const connect = (auth: { token?: string } = {}, extraHeaders?: Record<string, string>): StudioSocket => {
    const s: StudioSocket = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], auth, extraHeaders, reconnection: false, forceNew: true });
    sockets.push(s);
    return s;
  };
  const connected = (s: StudioSocket) =>
    new Promise<void>((resolve, reject) => {
      if (s.connected) return resolve();
      s.once('connect', () => resolve());
      s.once('connect_error', (e) => reject(e));
    });
  const join = (s: StudioSocket, projectId: unknown) =>
    new Promise<AckResult<{ role: Role }>>((resolve) => (s.emit as (e: string, ...a: unknown[]) => void)('project:join', projectId, resolve));

  beforeAll(async () => {
    server = await startServer();
    team = await createTeam(server, 'Socket project');
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses an unauthenticated connection, or one with a bad token', async () => {
    for (const auth of [{}, { token: 'nope' }, { token: 'ast_abcdefghijklmnop.secret' }]) {
      const s = connect(auth);
      const err = await new Promise<Error & { data?: { code: string; message: string } }>((resolve, reject) => {
        s.once('connect_error', resolve);
        s.once('connect', () => reject(new Error('connected without credentials')));
      });
      expect(err.message).toBe('unauthorized');
      expect(err.data?.code).toBe('unauthorized');
      expect(s.connected).toBe(false);
    }
  });

  it('logging out disconnects that session\'s sockets, not API-token ones', async () => {
    const session = (await api(server, 'POST', '/api/auth/login', { body: { username: team.editor.username, password: team.editor.password } })).body.token;
    const bySession = connect({ token: session });
    const byToken = connect({ token: await createApiToken(server, team.editor, 'socket outlives') });
    await Promise.all([connected(bySession), connected(byToken)]);
    const gone = new Promise<string>((resolve) => bySession.once('disconnect', (reason) => resolve(reason)));
    expect((await api(server, 'POST', '/api/auth/logout', { token: session })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    expect(await join(byToken, team.projectId)).toEqual({ ok: true, role: 'editor' });
  });

  it('accepts a session token, an API token, or the session cookie', async () => {
    const a = connect({ token: team.owner.token });
    const b = connect({ token: await createApiToken(server, team.editor, 'socket') });
    const c = connect({}, { cookie: `airstudio_session=${team.viewer.token}` });
    await Promise.all([connected(a), connected(b), connected(c)]);
    expect(await join(c, team.projectId)).toEqual({ ok: true, role: 'viewer' });
  });

  it('project:join answers with the role for members, and refuses non-members and junk', async () => {
    const owner = connect({ token: team.owner.token });
    const outsider = connect({ token: team.outsider.token });
    await Promise.all([connected(owner), connected(outsider)]);
    expect(await join(owner, team.projectId)).toEqual({ ok: true, role: 'owner' });
    const refused = await join(outsider, team.projectId);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('forbidden');
    for (const junk of ['../../etc', 'aaaaaaaaaaaaaaaa', 42, { id: team.projectId }, null]) {
      const r = await join(outsider, junk);
      expect(r.ok, JSON.stringify(junk)).toBe(false);
    }
    // The server is still talking to the outsider: junk is answered, not fatal.
    expect(outsider.connected).toBe(true);
  });

  it('members events reach the project room, and only the room', async () => {
    const owner = connect({ token: team.owner.token });
    const viewer = connect({ token: team.viewer.token });
    const outsider = connect({ token: team.outsider.token });
    await Promise.all([connected(owner), connected(viewer), connected(outsider)]);
    await join(owner, team.projectId);
    await join(viewer, team.projectId);
    const seen = { owner: [] as MemberView[][], viewer: [] as MemberView[][], outsider: 0 };
    owner.on('project:members', (e) => e.projectId === team.projectId && seen.owner.push(e.members));
    viewer.on('project:members', (e) => e.projectId === team.projectId && seen.viewer.push(e.members));
    outsider.on('project:members', () => seen.outsider++);
    const renamed: string[] = [];
    viewer.on('project:renamed', (e) => renamed.push(e.name));

    const newcomer = await signup(server, uniqueName('newcomer'));
    expect((await api(server, 'POST', `/api/projects/${team.projectId}/members`, { token: team.owner.token, body: { username: newcomer.username, role: 'editor' } })).status).toBe(201);
    await waitFor(() => seen.owner.length === 1 && seen.viewer.length === 1, 'both room members to get the new member list');
    expect(seen.viewer[0].find((m) => m.username === newcomer.username)?.role).toBe('editor');

    expect((await api(server, 'PATCH', `/api/projects/${team.projectId}`, { token: team.owner.token, body: { name: 'Renamed live' } })).status).toBe(200);
    await waitFor(() => renamed.includes('Renamed live'), 'the rename to reach the room');
    // One socket's messages arrive in order: once the outsider has the answer to a later request, anything the
    // server had sent it about the room would have arrived.
    expect((await join(outsider, team.projectId)).ok).toBe(false);
    expect(seen.outsider).toBe(0);
  });

  it('a removed member is told on their own channel and leaves the room', async () => {
    const t = await createTeam(server, 'Removal');
    const viewer = connect({ token: t.viewer.token });
    const owner = connect({ token: t.owner.token });
    await Promise.all([connected(viewer), connected(owner)]);
    await join(viewer, t.projectId);
    await join(owner, t.projectId);
    const removed: string[] = [];
    let viewerMemberEvents = 0;
    viewer.on('project:removed', (e) => removed.push(e.projectId));
    viewer.on('project:members', () => viewerMemberEvents++);
    const ownerEvents: MemberView[][] = [];
    owner.on('project:members', (e) => ownerEvents.push(e.members));

    expect((await api(server, 'DELETE', `/api/projects/${t.projectId}/members/${t.viewer.username}`, { token: t.owner.token })).status).toBe(204);
    await waitFor(() => removed.includes(t.projectId) && ownerEvents.length === 1, 'the removal to be announced');
    // Later membership news is not sent to the removed member.
    await api(server, 'POST', `/api/projects/${t.projectId}/members`, { token: t.owner.token, body: { username: t.outsider.username, role: 'viewer' } });
    await waitFor(() => ownerEvents.length === 2, 'the owner to see the next change');
    // A fresh join is refused now (and its answer comes after anything sent to the viewer before it).
    expect((await join(viewer, t.projectId)).ok).toBe(false);
    expect(viewerMemberEvents).toBe(0);
  });

  it('deleting a project tells the room', async () => {
    const t = await createTeam(server, 'To delete');
    const editor = connect({ token: t.editor.token });
    await connected(editor);
    await join(editor, t.projectId);
    const deleted: string[] = [];
    editor.on('project:deleted', (e) => deleted.push(e.projectId));
    expect((await api(server, 'DELETE', `/api/projects/${t.projectId}`, { token: t.owner.token })).status).toBe(204);
    await waitFor(() => deleted.includes(t.projectId), 'the deletion to reach the room');
  });
});
