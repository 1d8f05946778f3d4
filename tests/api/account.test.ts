import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, createApiToken, createProject, expectApiError, signup, TEST_PASSWORD, uniqueName, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';

const COOKIE = 'airstudio_session';
const MAX_FAILURES_PER_USER = 3;
const NEW_PASSWORD = 'amber-kettle-orchard-7';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0';

const cookie = (token: string) => ({ cookie: `${COOKIE}=${token}` });
const sessionId = (token: string) => token.split('.')[0];

describe('account settings over HTTP', () => {
  let server: RunningServer;

  beforeAll(async () => {
    // Every test here calls from 127.0.0.1: the per-address limit is raised so only the per-user count matters.
    server = await startServer({ env: { LOGIN_MAX_FAILURES_PER_USER: String(MAX_FAILURES_PER_USER), LOGIN_MAX_FAILURES_PER_IP: '1000' } });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  async function login(user: TestUser, password = user.password, userAgent?: string): Promise<string> {
    const r = await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password }, headers: userAgent ? { 'user-agent': userAgent } : {} });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token;
  }
  const meStatus = async (token: string) => (await api(server, 'GET', '/api/me', { token })).status;
  const changePassword = (headers: { token?: string; headers?: Record<string, string> }, currentPassword: string, newPassword: string) =>
    api(server, 'POST', '/api/me/password', { ...headers, body: { currentPassword, newPassword } });

  describe('display name', () => {
    it('is trimmed, saved, and shown in /api/me and in the members of every project', async () => {
      const owner = await signup(server, uniqueName('owner'));
      const member = await signup(server, uniqueName('renamer'));
      const projectId = await createProject(server, owner);
      await addMember(server, owner, projectId, member.username, 'editor');

      const r = await api(server, 'PATCH', '/api/me', { token: member.token, body: { displayName: '  Ré Namer 🎧  ' } });
      expect(r.status).toBe(200);
      expect(r.body.user).toMatchObject({ id: member.id, username: member.username, displayName: 'Ré Namer 🎧' });
      expect(JSON.stringify(r.body)).not.toMatch(/argon|password/i);

      expect((await api(server, 'GET', '/api/me', { token: member.token })).body.user.displayName).toBe('Ré Namer 🎧');
      const members = await api(server, 'GET', `/api/projects/${projectId}/members`, { token: owner.token });
      expect(members.body.members.find((m: { userId: string }) => m.userId === member.id)?.displayName).toBe('Ré Namer 🎧');
    });

    it('refuses an empty, too long or control-character name and a wrong shape, and keeps the old name', async () => {
      const user = await signup(server, uniqueName('keeper'));
      for (const displayName of ['', '   ', 'x'.repeat(65), 'line\nbreak', 42, null]) {
        expectApiError(await api(server, 'PATCH', '/api/me', { token: user.token, body: { displayName } }), 400, 'invalid_input');
      }
      expectApiError(await api(server, 'PATCH', '/api/me', { token: user.token, body: {} }), 400, 'invalid_input');
      expect((await api(server, 'PATCH', '/api/me', { token: user.token, body: { displayName: 'x'.repeat(64) } })).status).toBe(200);
      expect((await api(server, 'GET', '/api/me', { token: user.token })).body.user.displayName).toBe('x'.repeat(64));
    });
  });

  describe('password change', () => {
    it('needs the right current password and a strong new one; nothing changes until both hold', async () => {
      const user = await signup(server, uniqueName('pw'));
      expectApiError(await changePassword({ token: user.token }, 'not-my-password', NEW_PASSWORD), 401, 'invalid_credentials');
      const weak = await changePassword({ token: user.token }, TEST_PASSWORD, 'short');
      expectApiError(weak, 400, 'weak_password');
      expect(weak.body.error.message).toMatch(/at least 10 characters/);
      expectApiError(await changePassword({ token: user.token }, TEST_PASSWORD, 'password123'), 400, 'weak_password');
      expectApiError(await changePassword({ token: user.token }, TEST_PASSWORD, `my-${user.username}-pass`), 400, 'weak_password');
      expectApiError(await changePassword({ token: user.token }, TEST_PASSWORD, TEST_PASSWORD), 400, 'weak_password');
      expectApiError(await changePassword({ token: user.token }, '', NEW_PASSWORD), 400, 'invalid_input');
      // The refused attempts left the old password and every session in place.
      expect(await meStatus(user.token)).toBe(200);
      expect(await meStatus(await login(user))).toBe(200);
    });

    it('stores the new password, ends every other session, keeps the current one and the API tokens', async () => {
      const user = await signup(server, uniqueName('rotate'));
      const other = await signup(server, uniqueName('bystander'));
      const [current, laptop] = [await login(user), await login(user)];
      const apiToken = await createApiToken(server, user);

      // From a browser: the session comes as the cookie.
      expect((await changePassword({ headers: cookie(current) }, TEST_PASSWORD, NEW_PASSWORD)).status).toBe(204);

      expect((await api(server, 'GET', '/api/me', { headers: cookie(current) })).status).toBe(200);
      expectApiError(await api(server, 'GET', '/api/me', { token: laptop }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', '/api/me', { token: user.token }), 401, 'invalid_token');
      expect(await meStatus(apiToken)).toBe(200);
      expect(await meStatus(other.token)).toBe(200);

      expectApiError(await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: TEST_PASSWORD } }), 401, 'invalid_credentials');
      expect(await meStatus(await login(user, NEW_PASSWORD))).toBe(200);
    });

    it('called with an API token ends every session, since none is current; the token keeps working', async () => {
      const user = await signup(server, uniqueName('script'));
      const apiToken = await createApiToken(server, user);
      const laptop = await login(user);
      expect((await changePassword({ token: apiToken }, TEST_PASSWORD, NEW_PASSWORD)).status).toBe(204);
      expectApiError(await api(server, 'GET', '/api/me', { token: laptop }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', '/api/me', { token: user.token }), 401, 'invalid_token');
      expect(await meStatus(apiToken)).toBe(200);
    });

    it('counts a wrong current password as a failed login: past the limit both wait (429 + Retry-After)', async () => {
      const user = await signup(server, uniqueName('guess'));
      for (let i = 0; i < MAX_FAILURES_PER_USER; i++) {
        expectApiError(await changePassword({ token: user.token }, `guess-number-${i}`, NEW_PASSWORD), 401, 'invalid_credentials');
      }
      // Even the right current password waits now: a stolen session cannot be used to guess the password.
      const throttled = await changePassword({ token: user.token }, TEST_PASSWORD, NEW_PASSWORD);
      expectApiError(throttled, 429, 'too_many_requests');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expectApiError(await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: TEST_PASSWORD } }), 429, 'too_many_requests');
      expect(await meStatus(user.token)).toBe(200);
    });
  });

  describe('sessions', () => {
    it('lists the active sessions by id prefix, with times and user agent, never a secret, and marks the current one', async () => {
      const user = await signup(server, uniqueName('lister'));
      const firefox = await login(user, user.password, FIREFOX);
      const curl = await login(user, user.password, 'curl/8.5.0');
      const r = await api(server, 'GET', '/api/me/sessions', { token: firefox });
      expect(r.status).toBe(200);
      const sessions: { id: string; createdAt: string; lastSeenAt: string; userAgent: string | null; current: boolean }[] = r.body.sessions;
      expect(sessions).toHaveLength(3);
      for (const s of sessions) {
        expect(s.id).toMatch(/^[a-z2-7]{16}$/);
        expect(Number.isNaN(Date.parse(s.createdAt))).toBe(false);
        expect(Date.parse(s.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
      }
      const text = JSON.stringify(r.body);
      for (const token of [user.token, firefox, curl]) {
        const [id, secret] = token.split('.');
        expect(text).not.toContain(secret);
        expect(text).not.toContain(id);
        expect(text).toContain(id.slice(0, 16));
      }
      expect(text).not.toMatch(/hash/i);
      expect(sessions.filter((s) => s.current)).toEqual([expect.objectContaining({ id: sessionId(firefox).slice(0, 16), userAgent: FIREFOX })]);
      expect(sessions.find((s) => s.id === sessionId(curl).slice(0, 16))?.userAgent).toBe('curl/8.5.0');

      // Through an API token no session is current.
      const apiToken = await createApiToken(server, user);
      const viaToken = await api(server, 'GET', '/api/me/sessions', { token: apiToken });
      expect(viaToken.body.sessions).toHaveLength(3);
      expect(viaToken.body.sessions.some((s: { current: boolean }) => s.current)).toBe(false);
    });

    it('ends another session of yours (it gets 401), but not the current one, nor another user’s', async () => {
      const user = await signup(server, uniqueName('ender'));
      const stranger = await signup(server, uniqueName('stranger'));
      const phone = await login(user);
      const handle = (token: string) => sessionId(token).slice(0, 16);

      expect((await api(server, 'DELETE', `/api/me/sessions/${handle(phone)}`, { token: user.token })).status).toBe(204);
      expectApiError(await api(server, 'GET', '/api/me', { token: phone }), 401, 'invalid_token');
      expect(await meStatus(user.token)).toBe(200);
      const left = (await api(server, 'GET', '/api/me/sessions', { token: user.token })).body.sessions;
      expect(left.map((s: { id: string }) => s.id)).toEqual([handle(user.token)]);
      // Ending it again: it is gone.
      expectApiError(await api(server, 'DELETE', `/api/me/sessions/${handle(phone)}`, { token: user.token }), 404, 'not_found');

      expectApiError(await api(server, 'DELETE', `/api/me/sessions/${handle(user.token)}`, { token: user.token }), 400, 'current_session');
      expectApiError(await api(server, 'DELETE', `/api/me/sessions/${handle(stranger.token)}`, { token: user.token }), 404, 'not_found');
      expect(await meStatus(stranger.token)).toBe(200);
      // The whole id is not a handle either (it never leaves the server), nor is a shorter prefix.
      expectApiError(await api(server, 'DELETE', `/api/me/sessions/${sessionId(stranger.token)}`, { token: user.token }), 404, 'not_found');
      expectApiError(await api(server, 'DELETE', `/api/me/sessions/${handle(user.token).slice(0, 4)}`, { token: user.token }), 404, 'not_found');
      expect(await meStatus(user.token)).toBe(200);
    });
  });

  describe('bad requests', () => {
    it('anonymous callers get 401 on every account route', async () => {
      expectApiError(await api(server, 'PATCH', '/api/me', { body: { displayName: 'Nobody' } }), 401, 'unauthorized');
      expectApiError(await api(server, 'POST', '/api/me/password', { body: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD } }), 401, 'unauthorized');
      expectApiError(await api(server, 'GET', '/api/me/sessions'), 401, 'unauthorized');
      expectApiError(await api(server, 'DELETE', '/api/me/sessions/abcdefghijklmnop'), 401, 'unauthorized');
    });

    it('malformed JSON is a 400 that says so, and changes nothing', async () => {
      const user = await signup(server, uniqueName('garbled'));
      expectApiError(await api(server, 'PATCH', '/api/me', { token: user.token, raw: '{"displayName": "Half' }), 400, 'invalid_json');
      expectApiError(await api(server, 'POST', '/api/me/password', { token: user.token, raw: '{currentPassword:' }), 400, 'invalid_json');
      expectApiError(await api(server, 'POST', '/api/me/password', { token: user.token, body: { currentPassword: TEST_PASSWORD } }), 400, 'invalid_input');
      expect((await api(server, 'GET', '/api/me', { token: user.token })).body.user.displayName).toBe(user.username);
      expect(await meStatus(await login(user))).toBe(200);
    });
  });

  describe('the settings page', () => {
    /** Posts a form action as SvelteKit's `use:enhance` does, and returns its JSON result. */
    async function action(token: string, name: string, fields: Record<string, string>) {
      const r = await fetch(`${server.url}/settings/account?/${name}`, {
        method: 'POST',
        headers: { ...cookie(token), origin: server.url, 'x-sveltekit-action': 'true', accept: 'application/json' },
        body: new URLSearchParams(fields)
      });
      return (await r.json()) as { type: string; status: number; data: string };
    }

    it('sends a signed-out visitor to the login page and back', async () => {
      const r = await fetch(`${server.url}/settings/account`, { redirect: 'manual' });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe('/login?redirectTo=%2Fsettings%2Faccount');
    });

    it('shows the signed-in devices and changes the name and the password with form actions', async () => {
      const user = await signup(server, uniqueName('pager'));
      const laptop = await login(user, user.password, FIREFOX);
      const page = await (await fetch(`${server.url}/settings/account`, { headers: cookie(user.token) })).text();
      expect(page).toContain('Firefox on Linux');
      expect(page).toContain('This device');
      expect(page).not.toContain(laptop.split('.')[1]);

      const renamed = await action(user.token, 'displayName', { displayName: ' Page Person ' });
      expect(renamed.type).toBe('success');
      expect((await api(server, 'GET', '/api/me', { token: user.token })).body.user.displayName).toBe('Page Person');

      const mismatch = await action(user.token, 'password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: 'something-else-9' });
      expect(mismatch).toMatchObject({ type: 'failure', status: 400 });
      expect(mismatch.data).toContain('confirmPassword');
      const wrong = await action(user.token, 'password', { currentPassword: 'not-it-at-all', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(wrong).toMatchObject({ type: 'failure', status: 401 });
      expect(wrong.data).toContain('currentPassword');
      expect(await meStatus(laptop)).toBe(200);

      const changed = await action(user.token, 'password', { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(changed.type).toBe('success');
      expectApiError(await api(server, 'GET', '/api/me', { token: laptop }), 401, 'invalid_token');
      expect(await meStatus(user.token)).toBe(200);
    });
  });
});
