import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '$lib/server/auth/login-throttle';
import { RedisConnection } from '$lib/server/redis/redis-connection';
import { redisRateLimiters } from '$lib/server/redis/rate-limiters';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis';

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

describe('LoginThrottle in Redis (several web processes)', () => {
  const prefix = testRedisPrefix('throttle');
  const opened: RedisConnection[] = [];
  /** A web process's limiters: its own Redis connection, and a log the test reads. */
  const webProcess = async () => {
    const lines: { msg: string; level: number }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const redis = await RedisConnection.open({ url: TEST_REDIS_URL, prefix }, logger);
    opened.push(redis);
    return { redis, lines, throttle: new LoginThrottle(policy, redisRateLimiters(redis, logger)) };
  };
  afterAll(async () => {
    for (const r of opened) await r.close();
    await dropRedisPrefix(prefix);
  });

  it('adds up failures made on different processes', async () => {
    const [a, b] = [await webProcess(), await webProcess()];
    await a.throttle.recordFailure('erin', '10.0.2.1');
    await b.throttle.recordFailure('erin', '10.0.2.2');
    expect(await a.throttle.retryAfter('erin', '10.0.2.3')).toBe(0);
    await a.throttle.recordFailure('erin', '10.0.2.4');
    expect(await b.throttle.retryAfter('erin', '10.0.2.5')).toBeGreaterThan(policy.windowSeconds - 60);
  });

  it('keeps limiting in memory while Redis is down, and tells the operator once rather than per attempt', async () => {
    const p = await webProcess();
    p.redis.client.disconnect();
    await fail(p.throttle, 'frank', '10.0.3.1', 3);
    expect(await p.throttle.retryAfter('frank', '10.0.3.2')).toBeGreaterThan(policy.windowSeconds - 60);
    expect(await p.throttle.retryAfter('grace', '10.0.3.2')).toBe(0);
    const warnings = p.lines.filter((l) => l.msg.includes('rate limits'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 50, msg: expect.stringContaining('Redis does not answer') });
  });
});
