import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, createProject, expectApiError, signup, TEST_PASSWORD, uniqueName, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';

const HOSTILE_USERNAMES = [
  '../../etc',
  '..\\..\\windows',
  '<script>alert(1)</script>',
  "robert'); drop table users;--",
  'ünïcødé',
  '名前ユーザー',
  'emoji🎧name',
  'zero\u200bwidth',
  'nul\u0000byte',
  'with space',
  '.hidden',
  '-dash',
  'ab',
  '',
  'x'.repeat(33),
  'x'.repeat(100_000)
];

describe('bad input over HTTP', () => {
  let server: RunningServer;
  let owner: TestUser;
  let projectId: string;

  beforeAll(async () => {
    server = await startServer();
    owner = await signup(server, uniqueName('owner'));
    projectId = await createProject(server, owner, 'Bad input');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const writeRoutes = () => [
    ['POST', '/api/auth/signup', undefined],
    ['POST', '/api/auth/login', undefined],
    ['POST', '/api/projects', owner.token],
    ['PATCH', `/api/projects/${projectId}`, owner.token],
    ['POST', `/api/projects/${projectId}/members`, owner.token],
    ['PATCH', `/api/projects/${projectId}/members/someone`, owner.token],
    ['POST', '/api/tokens', owner.token]
  ] as const;

  it('malformed JSON on every route that reads a body: 400 invalid_json', async () => {
    for (const [method, path, token] of writeRoutes()) {
      for (const raw of ['{"name": ', '{name: "x"}', "{'a':1}", '\u0000\u0001', '{"a":1}}']) {
        expectApiError(await api(server, method, path, { token, raw }), 400, 'invalid_json');
      }
    }
  });

  it('wrong types and shapes: 400 invalid_input naming the field', async () => {
    for (const [method, path, token] of writeRoutes()) {
      for (const raw of ['null', '[]', '42', '"text"', '{"name":5,"username":["a"],"role":{},"password":true,"email":1}']) {
        expectApiError(await api(server, method, path, { token, raw }), 400, 'invalid_input');
      }
    }
    const r = await api(server, 'POST', `/api/projects/${projectId}/members`, { token: owner.token, body: { username: 'someone', role: 'admin' } });
    expectApiError(r, 400, 'invalid_input');
    expect(r.body.error.message).toMatch(/role/);
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    expectApiError(await api(server, 'POST', '/api/projects', { token: owner.token, raw: deep }), 400);
  });

  it('huge strings are refused with a clear message; bodies over the limit get 413', async () => {
    const longName = await api(server, 'POST', '/api/projects', { token: owner.token, body: { name: 'x'.repeat(10_000) } });
    expectApiError(longName, 400, 'invalid_input');
    expect(longName.body.error.message).toMatch(/at most 120/);
    expectApiError(await api(server, 'POST', '/api/auth/login', { body: { username: owner.username, password: 'p'.repeat(5000) } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: uniqueName('big'), email: 'big@example.test', password: 'p'.repeat(300) + 'abcd' } }), 400, 'weak_password');
    expectApiError(await api(server, 'POST', '/api/projects', { token: owner.token, body: { name: 'x'.repeat(2_000_000) } }), 413, 'payload_too_large');
    expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: 'x', email: 'y', password: 'z'.repeat(1_000_000) } }), 413, 'payload_too_large');
  });

  it('hostile usernames: signup refuses them, login and membership treat them as unknown', async () => {
    for (const username of HOSTILE_USERNAMES) {
      const r = await api(server, 'POST', '/api/auth/signup', { body: { username, email: `${uniqueName('h')}@example.test`, password: TEST_PASSWORD } });
      expectApiError(r, 400, 'invalid_input');
      expect(r.body.error.message).toMatch(/[Uu]sername/);
      const login = await api(server, 'POST', '/api/auth/login', { body: { username, password: TEST_PASSWORD } });
      expect([400, 401]).toContain(login.status);
      expectApiError(login, login.status);
      const add = await api(server, 'POST', `/api/projects/${projectId}/members`, { token: owner.token, body: { username, role: 'viewer' } });
      expectApiError(add, 400);
    }
    const members = (await api(server, 'GET', `/api/projects/${projectId}/members`, { token: owner.token })).body.members;
    expect(members).toHaveLength(1);
  });

  it('hostile path segments answer 404 in the error format', async () => {
    for (const segment of ['..%2F..%2Fetc%2Fpasswd', '%3Cscript%3E', 'x%27%20or%201%3D1', encodeURIComponent('ünïcødé'), 'A'.repeat(2000)]) {
      expectApiError(await api(server, 'GET', `/api/projects/${segment}`, { token: owner.token }), 404, 'not_found');
      expectApiError(await api(server, 'DELETE', `/api/projects/${projectId}/members/${segment}`, { token: owner.token }), 404, 'not_found');
      expectApiError(await api(server, 'DELETE', `/api/tokens/${segment}`, { token: owner.token }), 404, 'not_found');
    }
  });

  it('unknown routes and unsupported methods answer in the error format', async () => {
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['POST', '/api/nope'],
      ['DELETE', '/api/projects/x/y/z'],
      ['GET', '/api/auth'],
      ['PATCH', '/api/../api/nothing']
    ]) {
      expectApiError(await api(server, method, path, { token: owner.token }), 404, 'not_found');
    }
    for (const [method, path] of [
      ['PUT', '/api/projects'],
      ['DELETE', '/api/me'],
      ['GET', '/api/auth/login'],
      ['PUT', `/api/projects/${projectId}`]
    ]) {
      const r = await api(server, method, path, { token: owner.token });
      expectApiError(r, 405, 'method_not_allowed');
      expect(r.headers.get('allow')).toBeTruthy();
    }
  });

  it('keeps serving, with nothing lost and nothing logged as a server error', async () => {
    const editor = await signup(server, uniqueName('editor'));
    await addMember(server, owner, projectId, editor.username, 'editor');
    expect((await api(server, 'GET', `/api/projects/${projectId}`, { token: editor.token })).body.name).toBe('Bad input');
    const health = await api(server, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(server.output()).not.toMatch(/unhandled error|"level":50/);
    expect(server.proc.exitCode).toBeNull();
  });
});
