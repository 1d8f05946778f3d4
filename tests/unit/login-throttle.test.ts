import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '$lib/server/auth/login-throttle';

const policy = { maxFailuresPerUser: 3, maxFailuresPerIp: 5, windowSeconds: 600 };

async function fail(t: LoginThrottle, username: string, ip: string, times: number) {
  for (let i = 0; i < times; i++) await t.recordFailure(username, ip);
}

describe('LoginThrottle', () => {
  it('lets attempts through until the per-username limit, then asks to wait for the window', async () => {
    const t = new LoginThrottle(policy);
    await fail(t, 'alice', '10.0.0.1', 2);
    expect(await t.retryAfter('alice', '10.0.0.1')).toBe(0);
    await t.recordFailure('alice', '10.0.0.2');
    const wait = await t.retryAfter('alice', '10.0.0.3');
    expect(wait).toBeGreaterThan(policy.windowSeconds - 60);
    expect(wait).toBeLessThanOrEqual(policy.windowSeconds);
    // Another user from the same address is not affected.
    expect(await t.retryAfter('bob', '10.0.0.1')).toBe(0);
  });

  it('counts usernames case-insensitively', async () => {
    const t = new LoginThrottle(policy);
    await t.recordFailure('Alice', '10.0.0.1');
    await t.recordFailure('ALICE', '10.0.0.2');
    await t.recordFailure('alice', '10.0.0.3');
    expect(await t.retryAfter('aLiCe', '10.0.0.4')).toBeGreaterThan(0);
  });

  it('limits one address trying many usernames', async () => {
    const t = new LoginThrottle(policy);
    for (let i = 0; i < 5; i++) await t.recordFailure(`user${i}`, '10.0.0.9');
    expect(await t.retryAfter('fresh-user', '10.0.0.9')).toBeGreaterThan(0);
    expect(await t.retryAfter('fresh-user', '10.0.0.10')).toBe(0);
  });

  it('resets the per-username count on success, but not the per-address count', async () => {
    const t = new LoginThrottle(policy);
    await fail(t, 'carol', '10.0.1.1', 2);
    await t.recordSuccess('carol');
    await fail(t, 'carol', '10.0.1.1', 2);
    // Four failures in all: without the reset the per-user limit (3) would be reached.
    expect(await t.retryAfter('carol', '10.0.1.2')).toBe(0);
    await t.recordFailure('carol', '10.0.1.1');
    // Five from this address reach the per-IP limit, which a success does not clear.
    await t.recordSuccess('carol');
    expect(await t.retryAfter('dave', '10.0.1.1')).toBeGreaterThan(0);
  });
});
