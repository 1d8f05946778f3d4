import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectApiError, signup, TEST_PASSWORD, uniqueName, type ApiResult } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';

const PER_USER = 3;
const PER_IP = 5;
const WINDOW = 900;

/**
 * Login throttling through the real server. The server runs as it would behind a proxy (ADDRESS_HEADER), so
 * each attempt can come from the address the test chooses.
 */
describe('login throttling over HTTP', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      env: {
        LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
        LOGIN_MAX_FAILURES_PER_IP: String(PER_IP),
        LOGIN_THROTTLE_WINDOW_SECONDS: String(WINDOW),
        ADDRESS_HEADER: 'x-forwarded-for'
      }
    });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const login = (username: string, password: string, ip: string) =>
    api(server, 'POST', '/api/auth/login', { body: { username, password }, headers: { 'x-forwarded-for': ip } });

  function expectThrottled(r: ApiResult) {
    expectApiError(r, 429, 'too_many_requests');
    const retry = Number(r.headers.get('retry-after'));
    expect(Number.isInteger(retry)).toBe(true);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(WINDOW);
  }

  it('per username: after the limit, even the right password from a new address waits (429 + Retry-After)', async () => {
    const user = await signup(server, uniqueName('victim'));
    for (let i = 1; i <= PER_USER; i++) expectApiError(await login(user.username, 'wrong-password!', `10.1.0.${i}`), 401, 'invalid_credentials');
    expectThrottled(await login(user.username, TEST_PASSWORD, '10.1.0.99'));
    expectThrottled(await login(user.username.toUpperCase(), TEST_PASSWORD, '10.1.0.98'));
    // Other users, even from the addresses used, are not affected.
    const other = await signup(server, uniqueName('bystander'));
    expect((await login(other.username, TEST_PASSWORD, '10.1.0.1')).status).toBe(200);
  });

  it('a successful login resets the username’s count', async () => {
    const user = await signup(server, uniqueName('forgetful'));
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i < PER_USER; i++) expectApiError(await login(user.username, 'wrong-password!', `10.2.${round}.${i}`), 401);
      // PER_USER - 1 failures in each round: together over the limit unless the success in between reset it.
      expect((await login(user.username, TEST_PASSWORD, `10.2.${round}.50`)).status).toBe(200);
    }
  });

  it('per address: one address guessing many usernames is stopped, other addresses are not', async () => {
    const user = await signup(server, uniqueName('target'));
    for (let i = 0; i < PER_IP; i++) expectApiError(await login(uniqueName('guess'), 'wrong-password!', '10.3.0.1'), 401);
    expectThrottled(await login(user.username, TEST_PASSWORD, '10.3.0.1'));
    expect((await login(user.username, TEST_PASSWORD, '10.3.0.2')).status).toBe(200);
  });

  it('refused attempts are not counted against the account while throttled', async () => {
    const user = await signup(server, uniqueName('patient'));
    for (let i = 1; i <= PER_USER; i++) await login(user.username, 'wrong-password!', `10.4.0.${i}`);
    for (let i = 0; i < 5; i++) expectThrottled(await login(user.username, 'wrong-password!', '10.4.1.1'));
    // The address used only while throttled has no failures recorded: other users log in from it.
    const other = await signup(server, uniqueName('neighbour'));
    expect((await login(other.username, TEST_PASSWORD, '10.4.1.1')).status).toBe(200);
  });
});
