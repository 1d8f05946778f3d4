import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addMember, api, createApiToken, createTeam, signup, uniqueName, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import {
  awarenessMessage,
  closeOf,
  clientTracker,
  openRawSocket,
  refusedUpgrade,
  serverCaughtUp,
  updateMessage,
  notes,
  waitFor,
  yjsUrl
} from '../helpers/yclient';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { userOrigin } from '$lib/editor/model/origin';
import { runCommand } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';

const MAX_MESSAGE = 65_536;

describe('the Yjs endpoint (real server, headless y-websocket clients)', () => {
  let server: RunningServer;
  let team: Team;
  const clients = clientTracker();
  const raws: import('ws').WebSocket[] = [];
  const synced = (...tokens: string[]) => clients.connectSynced(server.wsUrl, team.projectId, tokens);
  const raw = async (token: string, projectId = team.projectId) => {
    const ws = await openRawSocket(yjsUrl(server.wsUrl, projectId, token));
    raws.push(ws);
    return ws;
  };

  beforeAll(async () => {
    server = await startServer({ env: { YJS_MAX_MESSAGE_BYTES: String(MAX_MESSAGE) } });
    team = await createTeam(server, 'Protocol');
  });
  afterEach(() => {
    clients.closeAll();
    for (const ws of raws.splice(0)) ws.terminate();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses anonymous, unknown-token, revoked-token and non-member clients at the upgrade', async () => {
    const anonymous = await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId, 'ast_nope.nope'))).status).toBe(401);
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId, 'garbage'))).status).toBe(401);

    const token = await createApiToken(server, team.editor, 'to revoke');
    expect((await api(server, 'DELETE', `/api/tokens/${token.slice(4).split('.')[0]}`, { token: team.editor.token })).status).toBe(204);
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId, token))).status).toBe(401);

    const outsider = await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId, team.outsider.token));
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBe('forbidden');
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, 'aaaaaaaaaaaaaaaa', team.owner.token))).status).toBe(403);
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, '..%2F..%2Fetc', team.owner.token))).status).toBe(403);
    // Nothing else answers WebSocket upgrades.
    expect((await refusedUpgrade(`${server.wsUrl}/elsewhere`)).status).toBe(404);
  });

  it('accepts the session cookie from our own pages, and refuses it cross-origin', async () => {
    const cookie = { cookie: `airstudio_session=${team.editor.token}` };
    const ws = await openRawSocket(yjsUrl(server.wsUrl, team.projectId), { ...cookie, origin: server.url });
    raws.push(ws);
    const foreign = await refusedUpgrade(yjsUrl(server.wsUrl, team.projectId), { ...cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('bad_origin');
  });

  it('garbage closes only that socket (1007); another client on the same document keeps syncing', async () => {
    const [a, b] = await synced(team.owner.token, team.editor.token);
    const garbage: (Uint8Array | string)[] = [
      new Uint8Array(12).fill(0xff), // a varint that never ends
      'hello, this is text', // a text frame
      new Uint8Array([7]), // unknown message type
      new Uint8Array([0, 9]), // unknown sync message
      new Uint8Array([0]), // cut short
      new Uint8Array([0, 2, 0x7f, 1, 2]), // an update shorter than it says
      updateMessage(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), // not an update
      new Uint8Array([1, 3, 1, 1, 1]) // an awareness message that is not one
    ];
    for (const [i, bytes] of garbage.entries()) {
      const ws = await raw(team.editor.token);
      const closed = closeOf(ws);
      ws.send(bytes);
      expect((await closed).code, `garbage #${i}`).toBe(1007);
      a.doc.getText('notes').insert(0, `after garbage ${i};`);
      await waitFor(() => notes(b).includes(`after garbage ${i};`), `b to receive a's edit after garbage #${i}`);
    }
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
    expect((await api(server, 'GET', '/health')).status).toBe(200);
  });

  it('an oversized message closes only that socket (1009); the others keep syncing', async () => {
    const [a, b] = await synced(team.owner.token, team.editor.token);
    const big = new Y.Doc();
    big.getText('notes').insert(0, 'x'.repeat(MAX_MESSAGE + 1000));
    const ws = await raw(team.editor.token);
    const closed = closeOf(ws);
    ws.send(updateMessage(Y.encodeStateAsUpdate(big)));
    expect((await closed).code).toBe(1009);
    b.doc.getText('notes').insert(0, 'still here;');
    await waitFor(() => notes(a).includes('still here;'), 'a to receive b’s edit after the oversized message');
    expect(notes(a)).not.toContain('xxxxxxxxxx');
    // A message just under the limit is fine.
    const ok = await raw(team.editor.token);
    const small = new Y.Doc();
    small.getText('notes').insert(0, 'y'.repeat(MAX_MESSAGE - 1000));
    ok.send(updateMessage(Y.encodeStateAsUpdate(small)));
    await waitFor(() => notes(a).includes('yyyyyyyyyy'), 'a message under the limit to be applied');
  });

  it('presence: a client announces itself, but announcing another user closes its socket', async () => {
    const [a] = await synced(team.owner.token);
    const me = { id: team.editor.id, name: 'Editor', username: team.editor.username, color: '#2563eb', role: 'editor' };
    const honest = await raw(team.editor.token);
    honest.send(awarenessMessage(424242, 1, { user: me }));
    await waitFor(() => (a.provider.awareness.getStates().get(424242) as { user?: { id: string } } | undefined)?.user?.id === team.editor.id, 'the honest presence to arrive');

    const liar = await raw(team.editor.token);
    const closed = closeOf(liar);
    liar.send(awarenessMessage(434343, 1, { user: { ...me, id: team.owner.id, name: 'Owner' } }));
    expect((await closed).code).toBe(1007);
    expect(a.provider.awareness.getStates().has(434343)).toBe(false);
    // The honest one is unaffected; when it leaves, its presence goes with it.
    honest.close();
    await waitFor(() => !a.provider.awareness.getStates().has(424242), 'presence to be removed when its socket closes');
  });

  it('presence of two users stays up: echoed awareness is not taken for impersonation', async () => {
    const [a, b] = await synced(team.owner.token, team.editor.token);
    const user = (u: { id: string; username: string }, role: string) => ({ id: u.id, name: u.username, username: u.username, color: '#2563eb', role });
    let drops = 0;
    for (const c of [a, b]) c.provider.on('connection-close', () => drops++);
    a.provider.awareness.setLocalStateField('user', user(team.owner, 'owner'));
    b.provider.awareness.setLocalStateField('user', user(team.editor, 'editor'));
    // y-websocket clients relay every awareness change they receive; several rounds give the echoes time to arrive.
    for (let round = 0; round < 5; round++) {
      await serverCaughtUp(a, b);
      await serverCaughtUp(b, a);
    }
    expect(drops).toBe(0);
    expect((a.provider.awareness.getStates().get(b.doc.clientID) as { user?: { id: string } }).user?.id).toBe(team.editor.id);
    expect((b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { id: string } }).user?.id).toBe(team.owner.id);
  });

  it('role changes apply to open connections: a demoted editor’s writes are refused from then on', async () => {
    const [owner, ed] = await synced(team.owner.token, team.editor.token);
    ed.doc.getText('notes').insert(0, 'before demotion;');
    await waitFor(() => notes(owner).includes('before demotion;'), 'the editor’s edit');
    try {
      expect((await api(server, 'PATCH', `/api/projects/${team.projectId}/members/${team.editor.username}`, { token: team.owner.token, body: { role: 'viewer' } })).status).toBe(200);
      ed.doc.getText('notes').insert(0, 'after demotion;');
      await serverCaughtUp(ed, owner);
      expect(notes(owner)).not.toContain('after demotion;');
    } finally {
      await api(server, 'PATCH', `/api/projects/${team.projectId}/members/${team.editor.username}`, { token: team.owner.token, body: { role: 'editor' } });
    }
    // Promoted back: new writes go through (the refused one stays refused on the server).
    ed.doc.getText('notes').insert(0, 'promoted again;');
    await waitFor(() => notes(owner).includes('promoted again;'), 'the promoted editor’s edit');
  });

  it('removing a member closes their sockets (4403); deleting the project closes everyone’s (4404)', async () => {
    const t = await createTeam(server, 'Short-lived');
    const viewerWs = await raw(t.viewer.token, t.projectId);
    const ownerWs = await raw(t.owner.token, t.projectId);
    const viewerClosed = closeOf(viewerWs);
    expect((await api(server, 'DELETE', `/api/projects/${t.projectId}/members/${t.viewer.username}`, { token: t.owner.token })).status).toBe(204);
    expect((await viewerClosed).code).toBe(4403);
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, t.projectId, t.viewer.token))).status).toBe(403);

    const ownerClosed = closeOf(ownerWs);
    expect((await api(server, 'DELETE', `/api/projects/${t.projectId}`, { token: t.owner.token })).status).toBe(204);
    expect((await ownerClosed).code).toBe(4404);
    expect((await refusedUpgrade(yjsUrl(server.wsUrl, t.projectId, t.owner.token))).status).toBe(403);
  });

  // Restarts the server: kept last in this file.
  it('ending a session closes the sockets it opened (4401); other sessions and API tokens stay connected', async () => {
    // A user of its own: logging out everywhere must not end the sessions the other tests use.
    const member = await signup(server, uniqueName('sessions'));
    await addMember(server, team.owner, team.projectId, member.username, 'editor');
    const login = async () => (await api(server, 'POST', '/api/auth/login', { body: { username: member.username, password: member.password } })).body.token as string;
    const [ending, staying] = [await login(), await login()];
    const apiToken = await createApiToken(server, member, 'outlives sessions');
    const [a, b, t] = [await raw(ending), await raw(staying), await raw(apiToken)];
    const closedA = closeOf(a);
    expect((await api(server, 'POST', '/api/auth/logout', { token: ending })).status).toBe(204);
    expect((await closedA).code).toBe(4401);
    // Both others still answer: a query for presence gets a reply on each.
    const answers = (ws: import('ws').WebSocket) => new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
      ws.send(new Uint8Array([3]));
    });
    await Promise.all([answers(b), answers(t)]);
    // Logging out everywhere ends the other session's socket too, but not the API token's.
    const closedB = closeOf(b);
    expect((await api(server, 'POST', '/api/auth/logout', { token: staying, body: { everywhere: true } })).status).toBe(204);
    expect((await closedB).code).toBe(4401);
    await answers(t);
  });

  it('a viewer receives updates, but its writes never reach the stored document, before or after a restart', async () => {
    const [owner, viewer] = await synced(team.owner.token, team.viewer.token);
    owner.doc.getText('notes').insert(0, 'OWNER-LINE;');
    await waitFor(() => notes(viewer).includes('OWNER-LINE;'), 'the viewer to receive the owner’s edit');

    viewer.doc.getText('notes').insert(0, 'VIEWER-WRITE;');
    runCommand(addComment, { project: new ProjectDoc(viewer.doc), origin: userOrigin(team.viewer.id), role: 'editor', user: { id: team.viewer.id, name: 'v' } }, { body: 'sneaky' });
    viewer.doc.getMap('meta').set('hijacked', true);
    await serverCaughtUp(viewer, owner);
    expect(server.output()).toContain('refused document write from a viewer');

    const check = async (what: string) => {
      const [fresh] = await synced(team.editor.token);
      expect(notes(fresh), what).toContain('OWNER-LINE;');
      expect(notes(fresh), what).not.toContain('VIEWER-WRITE');
      expect(new ProjectDoc(fresh.doc).commentList().some((c) => c.body === 'sneaky'), what).toBe(false);
      expect(fresh.doc.getMap('meta').has('hijacked'), what).toBe(false);
    };
    await check('a fresh client while the viewer is connected');
    expect(notes(owner)).not.toContain('VIEWER-WRITE');

    // Restart: the viewer reconnects on its own and offers its local edit again in the sync handshake.
    expect(await server.stop()).toBe(0);
    server = await server.restart();
    await waitFor(() => viewer.provider.wsconnected && viewer.provider.synced, 'the viewer to reconnect', 20_000);
    await waitFor(() => owner.provider.wsconnected && owner.provider.synced, 'the owner to reconnect', 20_000);
    await serverCaughtUp(viewer, owner);
    await check('a fresh client after the restart');
  });
});
