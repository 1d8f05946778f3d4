import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createApiToken, expectApiError, signup, TEST_PASSWORD, uniqueName, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';

const COOKIE = 'airstudio_session';

function sessionCookie(headers: Headers): string | undefined {
  return headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
}
const cookieValue = (setCookie: string) => setCookie.split(';')[0].slice(COOKIE.length + 1);

describe('accounts over HTTP', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  describe('signup', () => {
    it('creates the account, returns a session token and sets an httpOnly, SameSite=Lax cookie (not Secure over http)', async () => {
      const username = uniqueName('Signup');
      const r = await api(server, 'POST', '/api/auth/signup', { body: { username, email: `${username}@example.test`, password: TEST_PASSWORD, displayName: 'Sign Up' } });
      expect(r.status).toBe(201);
      expect(r.body.user).toMatchObject({ username: username.toLowerCase(), displayName: 'Sign Up', email: `${username.toLowerCase()}@example.test` });
      expect(r.body.user.color).toMatch(/^#[0-9a-f]{6}$/);
      expect(JSON.stringify(r.body)).not.toMatch(/argon|password/i);
      expect(r.body.token).toMatch(/^[a-z2-7]+\.[a-z2-7]+$/);
      const expires = Date.parse(r.body.expiresAt);
      expect(expires - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);

      const cookie = sessionCookie(r.headers)!;
      expect(cookie).toBeDefined();
      expect(cookieValue(cookie)).toBe(r.body.token);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).toMatch(/;\s*Path=\//i);
      expect(cookie).not.toMatch(/;\s*Secure/i);

      const me = await api(server, 'GET', '/api/me', { headers: { cookie: `${COOKIE}=${r.body.token}` } });
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(r.body.user.id);
    });

    it('explains taken usernames and emails (any case), weak passwords and invalid usernames', async () => {
      const user = await signup(server, uniqueName('taken'));
      const email = `${uniqueName('e')}@example.test`;
      expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: user.username.toUpperCase(), email, password: TEST_PASSWORD } }), 409, 'username_taken');
      expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: uniqueName('x'), email: `${user.username}@EXAMPLE.test`, password: TEST_PASSWORD } }), 409, 'email_taken');
      const weak = await api(server, 'POST', '/api/auth/signup', { body: { username: uniqueName('weak'), email, password: 'short' } });
      expectApiError(weak, 400, 'weak_password');
      expect(weak.body.error.message).toMatch(/at least 10 characters/);
      expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: uniqueName('w'), email, password: 'qwertyuiop' } }), 400, 'weak_password');
      expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: 'a', email, password: TEST_PASSWORD } }), 400, 'invalid_input');
      expectApiError(await api(server, 'POST', '/api/auth/signup', { body: { username: uniqueName('m'), email: 'not-an-email', password: TEST_PASSWORD } }), 400, 'invalid_input');
    });
  });

  describe('login and logout', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await signup(server, uniqueName('login'));
    });

    it('logs in with the right password, whatever the username case, and sets the cookie', async () => {
      const r = await api(server, 'POST', '/api/auth/login', { body: { username: user.username.toUpperCase(), password: TEST_PASSWORD } });
      expect(r.status).toBe(200);
      expect(r.body.user.id).toBe(user.id);
      expect(r.body.token).not.toBe(user.token); // a new session
      expect(cookieValue(sessionCookie(r.headers)!)).toBe(r.body.token);
    });

    it('answers a wrong password and an unknown user the same way', async () => {
      const wrong = await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: 'not-the-password' } });
      const unknown = await api(server, 'POST', '/api/auth/login', { body: { username: uniqueName('ghost'), password: TEST_PASSWORD } });
      expectApiError(wrong, 401, 'invalid_credentials');
      expectApiError(unknown, 401, 'invalid_credentials');
      expect(unknown.body.error.message).toBe(wrong.body.error.message);
    });

    it('logout ends the session (cookie or bearer) and clears the cookie; other sessions live on', async () => {
      const a = await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
      const b = await api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
      const out = await api(server, 'POST', '/api/auth/logout', { headers: { cookie: `${COOKIE}=${a.body.token}` } });
      expect(out.status).toBe(204);
      const cleared = sessionCookie(out.headers)!;
      expect(cleared).toBeDefined();
      expect(cookieValue(cleared)).toBe('');
      expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);

      expectApiError(await api(server, 'GET', '/api/me', { token: a.body.token }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', '/api/me', { headers: { cookie: `${COOKIE}=${a.body.token}` } }), 401, 'unauthorized');
      expect((await api(server, 'GET', '/api/me', { token: b.body.token })).status).toBe(200);

      expect((await api(server, 'POST', '/api/auth/logout', { token: b.body.token })).status).toBe(204);
      expectApiError(await api(server, 'GET', '/api/me', { token: b.body.token }), 401, 'invalid_token');
      // Logging out without a session is harmless.
      expect((await api(server, 'POST', '/api/auth/logout')).status).toBe(204);
    });

    it('logout everywhere ends every session of the user, but not their API tokens or other users', async () => {
      const other = await signup(server, uniqueName('bystander'));
      const login = () => api(server, 'POST', '/api/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
      const [a, b] = [await login(), await login()];
      const apiToken = (await api(server, 'POST', '/api/tokens', { token: a.body.token, body: { name: 'script' } })).body.token;
      expectApiError(await api(server, 'POST', '/api/auth/logout', { token: a.body.token, body: { everywhere: 'yes' } }), 400, 'invalid_input');
      expect((await api(server, 'POST', '/api/auth/logout', { token: a.body.token, body: { everywhere: true } })).status).toBe(204);
      expectApiError(await api(server, 'GET', '/api/me', { token: a.body.token }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', '/api/me', { token: b.body.token }), 401, 'invalid_token');
      expect((await api(server, 'GET', '/api/me', { token: apiToken })).status).toBe(200);
      expect((await api(server, 'GET', '/api/me', { token: other.token })).status).toBe(200);
    });

    it('clears a cookie that holds an unknown session', async () => {
      const r = await api(server, 'GET', '/api/me', { headers: { cookie: `${COOKIE}=abc.def` } });
      expectApiError(r, 401, 'unauthorized');
      expect(cookieValue(sessionCookie(r.headers)!)).toBe('');
    });
  });

  describe('personal API tokens', () => {
    it('are issued once, work as Bearer on the API, are listed without their secret, and stop working when revoked', async () => {
      const user = await signup(server, uniqueName('tok'));
      const created = await api(server, 'POST', '/api/tokens', { token: user.token, body: { name: 'render box' } });
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      expect(token).toMatch(/^ast_[a-z2-7]{16}\.[a-z2-7]{39}$/);
      expect(created.body).toMatchObject({ name: 'render box', revokedAt: null });

      const me = await api(server, 'GET', '/api/me', { token });
      expect(me.status).toBe(200);
      expect(me.body.user.username).toBe(user.username);
      const proj = await api(server, 'POST', '/api/projects', { token, body: { name: 'Made by a script' } });
      expect(proj.status).toBe(201);

      const list = await api(server, 'GET', '/api/tokens', { token: user.token });
      expect(list.status).toBe(200);
      const listed = list.body.tokens.find((t: { id: string }) => t.id === created.body.id);
      expect(listed).toMatchObject({ name: 'render box', revokedAt: null });
      expect(listed.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain(token.split('.')[1]);

      expect((await api(server, 'DELETE', `/api/tokens/${created.body.id}`, { token: user.token })).status).toBe(204);
      expectApiError(await api(server, 'GET', '/api/me', { token }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', `/api/projects/${proj.body.id}`, { token }), 401, 'invalid_token');
      expectApiError(await api(server, 'DELETE', `/api/tokens/${created.body.id}`, { token: user.token }), 404, 'not_found');
      const after = await api(server, 'GET', '/api/tokens', { token: user.token });
      expect(after.body.tokens.find((t: { id: string }) => t.id === created.body.id).revokedAt).not.toBeNull();
    });

    it('belong to their user: another user can neither list nor revoke them', async () => {
      const [alice, bob] = await Promise.all([signup(server, uniqueName('alice')), signup(server, uniqueName('bob'))]);
      const token = await createApiToken(server, alice, 'mine');
      const id = token.slice(4).split('.')[0];
      const bobs = await api(server, 'GET', '/api/tokens', { token: bob.token });
      expect(bobs.body.tokens).toEqual([]);
      expectApiError(await api(server, 'DELETE', `/api/tokens/${id}`, { token: bob.token }), 404, 'not_found');
      expect((await api(server, 'GET', '/api/me', { token })).body.user.id).toBe(alice.id);
    });

    it('a token with a wrong secret or without its prefix is refused', async () => {
      const user = await signup(server, uniqueName('tokbad'));
      const token = await createApiToken(server, user);
      const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
      expectApiError(await api(server, 'GET', '/api/me', { token: flipped }), 401, 'invalid_token');
      expectApiError(await api(server, 'GET', '/api/me', { token: token.slice(4) }), 401, 'invalid_token');
    });
  });

  it('pages carry a Content-Security-Policy (scripts only ours, no framing) and the other security headers', async () => {
    const r = await fetch(`${server.url}/login`);
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy') ?? '';
    // Scripts only from us; WebAssembly (the ffmpeg.wasm preview) may compile, JavaScript eval may not.
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '))!;
    expect(scriptSrc.split(/\s+/).filter((t) => !t.startsWith("'nonce-")).sort()).toEqual(["'self'", "'wasm-unsafe-eval'", 'script-src'].sort());
    expect(scriptSrc).toMatch(/'nonce-[^']+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    // The nonce in the header is the one on the page's own start-up script.
    const nonce = csp.match(/'nonce-([^']+)'/)![1];
    expect(await r.text()).toContain(`nonce="${nonce}"`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('GET /health reports the database and storage', async () => {
    const r = await api(server, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', database: { ok: true, dialect: 'sqlite' }, storage: { ok: true } });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});
