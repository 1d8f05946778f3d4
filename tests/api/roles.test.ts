import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, createApiToken, createProject, expectApiError, signup, uniqueName, type ApiResult, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';

/**
 * Every /api route and method, called by everyone who might call it, through the real HTTP server.
 * Refusals must be refusals (and change nothing); permitted calls must do what they say.
 */
const ACTORS = ['anonymous', 'outsider', 'viewer', 'editor', 'owner'] as const;
type Actor = (typeof ACTORS)[number];

interface Ctx {
  projectId: string;
  /** A fourth member (viewer) the member routes act on. */
  target: TestUser;
  /** Credentials: owner and viewer use session tokens, editor and outsider personal API tokens. */
  creds: Record<Actor, string | undefined>;
}

interface ProjectRoute {
  method: string;
  path: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
  expected: Record<Actor, number>;
  /** Checks, as the owner, that the call had its effect when it succeeded and none when refused. */
  verify: (c: Ctx, succeeded: boolean) => Promise<void>;
}

let server: RunningServer;
const users = {} as Record<Exclude<Actor, 'anonymous'>, TestUser> & { target: TestUser };
const creds = {} as Ctx['creds'];

const asOwner = (method: string, path: string, body?: unknown) => api(server, method, path, { token: users.owner.token, body });
const memberRole = async (c: Ctx, username: string) =>
  ((await asOwner('GET', `/api/projects/${c.projectId}/members`)).body.members as { username: string; role: string }[]).find((m) => m.username === username)?.role;

const PROJECT_ROUTES: ProjectRoute[] = [
  {
    method: 'GET',
    path: (c) => `/api/projects/${c.projectId}`,
    expected: { anonymous: 401, outsider: 404, viewer: 200, editor: 200, owner: 200 },
    verify: async () => {}
  },
  {
    method: 'PATCH',
    path: (c) => `/api/projects/${c.projectId}`,
    body: () => ({ name: 'Renamed by caller' }),
    expected: { anonymous: 401, outsider: 404, viewer: 403, editor: 200, owner: 200 },
    verify: async (c, ok) => expect((await asOwner('GET', `/api/projects/${c.projectId}`)).body.name).toBe(ok ? 'Renamed by caller' : 'Roles project')
  },
  {
    method: 'DELETE',
    path: (c) => `/api/projects/${c.projectId}`,
    expected: { anonymous: 401, outsider: 404, viewer: 403, editor: 403, owner: 204 },
    verify: async (c, ok) => expect((await asOwner('GET', `/api/projects/${c.projectId}`)).status).toBe(ok ? 404 : 200)
  },
  {
    method: 'GET',
    path: (c) => `/api/projects/${c.projectId}/members`,
    expected: { anonymous: 401, outsider: 404, viewer: 200, editor: 200, owner: 200 },
    verify: async () => {}
  },
  {
    method: 'POST',
    path: (c) => `/api/projects/${c.projectId}/members`,
    body: () => ({ username: users.outsider.username, role: 'viewer' }),
    expected: { anonymous: 401, outsider: 404, viewer: 403, editor: 403, owner: 201 },
    verify: async (c, ok) => expect(await memberRole(c, users.outsider.username)).toBe(ok ? 'viewer' : undefined)
  },
  {
    method: 'PATCH',
    path: (c) => `/api/projects/${c.projectId}/members/${c.target.username}`,
    body: () => ({ role: 'editor' }),
    expected: { anonymous: 401, outsider: 404, viewer: 403, editor: 403, owner: 200 },
    verify: async (c, ok) => expect(await memberRole(c, c.target.username)).toBe(ok ? 'editor' : 'viewer')
  },
  {
    method: 'DELETE',
    path: (c) => `/api/projects/${c.projectId}/members/${c.target.username}`,
    expected: { anonymous: 401, outsider: 404, viewer: 403, editor: 403, owner: 204 },
    verify: async (c, ok) => expect(await memberRole(c, c.target.username)).toBe(ok ? undefined : 'viewer')
  }
];

async function freshProject(): Promise<Ctx> {
  const projectId = await createProject(server, users.owner, 'Roles project');
  await addMember(server, users.owner, projectId, users.editor.username, 'editor');
  await addMember(server, users.owner, projectId, users.viewer.username, 'viewer');
  await addMember(server, users.owner, projectId, users.target.username, 'viewer');
  return { projectId, target: users.target, creds };
}

function expectStatus(r: ApiResult, status: number) {
  if (status >= 400) expectApiError(r, status);
  else expect(r.status, JSON.stringify(r.body)).toBe(status);
}

beforeAll(async () => {
  server = await startServer();
  const [owner, editor, viewer, outsider, target] = await Promise.all(['owner', 'editor', 'viewer', 'outsider', 'target'].map((p) => signup(server, uniqueName(p))));
  Object.assign(users, { owner, editor, viewer, outsider, target });
  creds.anonymous = undefined;
  creds.owner = owner.token;
  creds.viewer = viewer.token;
  creds.editor = await createApiToken(server, editor, 'editor script');
  creds.outsider = await createApiToken(server, outsider, 'outsider script');
});
afterAll(async () => {
  await server?.destroy();
});

describe('roles on every project route', () => {
  const cases = PROJECT_ROUTES.flatMap((route) => ACTORS.map((actor) => ({ route, actor, name: `${route.method} ${route.path({ projectId: ':id', target: { username: ':username' } } as Ctx)}` })));

  it.each(cases)('$name as $actor', async ({ route, actor }) => {
    const c = await freshProject();
    const status = route.expected[actor];
    const r = await api(server, route.method, route.path(c), { token: c.creds[actor], body: route.body?.(c) });
    expectStatus(r, status);
    await route.verify(c, status < 300);
  });

  it('a viewer may leave a project (remove themselves), an editor too', async () => {
    const c = await freshProject();
    expect((await api(server, 'DELETE', `/api/projects/${c.projectId}/members/${users.viewer.username}`, { token: creds.viewer })).status).toBe(204);
    expect((await api(server, 'DELETE', `/api/projects/${c.projectId}/members/${users.editor.username}`, { token: creds.editor })).status).toBe(204);
    expect(await memberRole(c, users.viewer.username)).toBeUndefined();
    expect(await memberRole(c, users.editor.username)).toBeUndefined();
    expectApiError(await api(server, 'GET', `/api/projects/${c.projectId}`, { token: creds.viewer }), 404);
  });

  it('the owner can neither be demoted nor removed', async () => {
    const c = await freshProject();
    expectApiError(await api(server, 'PATCH', `/api/projects/${c.projectId}/members/${users.owner.username}`, { token: creds.owner, body: { role: 'viewer' } }), 400, 'owner_role');
    expectApiError(await api(server, 'DELETE', `/api/projects/${c.projectId}/members/${users.owner.username}`, { token: creds.owner }), 400, 'owner_role');
    expect(await memberRole(c, users.owner.username)).toBe('owner');
  });

  it('a promoted viewer can write, a demoted editor cannot', async () => {
    const c = await freshProject();
    await asOwner('PATCH', `/api/projects/${c.projectId}/members/${users.viewer.username}`, { role: 'editor' });
    await asOwner('PATCH', `/api/projects/${c.projectId}/members/${users.editor.username}`, { role: 'viewer' });
    expect((await api(server, 'PATCH', `/api/projects/${c.projectId}`, { token: creds.viewer, body: { name: 'Now I can' } })).status).toBe(200);
    expectApiError(await api(server, 'PATCH', `/api/projects/${c.projectId}`, { token: creds.editor, body: { name: 'Now I cannot' } }), 403, 'forbidden');
  });
});

describe('roles on every account route', () => {
  it.each([
    ['GET', '/api/me', undefined, 200],
    ['GET', '/api/tokens', undefined, 200],
    ['POST', '/api/tokens', { name: 'x' }, 201],
    ['GET', '/api/projects', undefined, 200],
    ['POST', '/api/projects', { name: 'Mine' }, 201]
  ] as const)('%s %s: anonymous 401, a signed-in user %i', async (method, path, body, ok) => {
    expectApiError(await api(server, method, path, { body }), 401, 'unauthorized');
    for (const token of [creds.owner, creds.editor]) expectStatus(await api(server, method, path, { token, body }), ok);
  });

  it('GET /api/me and GET /api/projects answer for the caller only', async () => {
    expect((await api(server, 'GET', '/api/me', { token: creds.outsider })).body.user.username).toBe(users.outsider.username);
    const c = await freshProject();
    const mine = (await api(server, 'GET', '/api/projects', { token: creds.viewer })).body.projects;
    const theirs = (await api(server, 'GET', '/api/projects', { token: creds.outsider })).body.projects;
    expect(mine.find((p: { id: string }) => p.id === c.projectId)?.role).toBe('viewer');
    expect(theirs.some((p: { id: string }) => p.id === c.projectId)).toBe(false);
  });

  it('DELETE /api/tokens/:id: anonymous 401, another user 404, the token’s owner 204', async () => {
    const token = await createApiToken(server, users.owner, 'to revoke');
    const id = token.slice(4).split('.')[0];
    expectApiError(await api(server, 'DELETE', `/api/tokens/${id}`), 401, 'unauthorized');
    expectApiError(await api(server, 'DELETE', `/api/tokens/${id}`, { token: creds.editor }), 404, 'not_found');
    expect((await api(server, 'GET', '/api/me', { token })).status).toBe(200);
    expect((await api(server, 'DELETE', `/api/tokens/${id}`, { token: creds.owner })).status).toBe(204);
    expectApiError(await api(server, 'GET', '/api/me', { token }), 401, 'invalid_token');
  });

  it('signup, login, logout and /health are open to anonymous callers', async () => {
    const name = uniqueName('open');
    expect((await api(server, 'POST', '/api/auth/signup', { body: { username: name, email: `${name}@example.test`, password: 'violet-harbour-lamp-42' } })).status).toBe(201);
    expect((await api(server, 'POST', '/api/auth/login', { body: { username: name, password: 'violet-harbour-lamp-42' } })).status).toBe(200);
    expect((await api(server, 'POST', '/api/auth/logout')).status).toBe(204);
    expect((await api(server, 'GET', '/health')).status).toBe(200);
  });

  it('a cross-site form POST with the session cookie is refused (the CSRF rule); a token-authenticated one is not', async () => {
    const before = (await api(server, 'GET', '/api/projects', { token: creds.owner })).body.projects.length;
    const r = await api(server, 'POST', '/api/projects', {
      raw: 'name=csrf',
      headers: { cookie: `airstudio_session=${creds.owner}`, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('cross_site_form');
    // A cookie-authenticated form post without any Origin is refused as well; one with the token (a script) is not.
    const bare = await api(server, 'POST', '/api/projects', { raw: 'name=csrf', headers: { cookie: `airstudio_session=${creds.owner}`, 'content-type': 'multipart/form-data; boundary=x' } });
    expect(bare.status).toBe(403);
    expect((await api(server, 'GET', '/api/projects', { token: creds.owner })).body.projects.length).toBe(before);
    const scripted = await api(server, 'POST', '/api/projects', { token: creds.owner, raw: 'name=csrf', headers: { 'content-type': 'text/plain' } });
    expect(scripted.status).not.toBe(403);
  });
});
