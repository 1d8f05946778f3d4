import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER_WINDOW_MS, MemoryListenerCounter, RedisListenerCounter, type ListenerCounter } from '$lib/server/live/listeners';
import { RedisConnection } from '$lib/server/redis/redis-connection';
import { createLogger } from '$lib/server/log';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis';

// The same behaviour in memory (one web process) and in Redis (several): each Redis case on a prefix of its own.
describe.each(['memory', 'redis'] as const)('the listener counter (%s)', (kind) => {
  const prefix = testRedisPrefix('listeners');
  let redis: RedisConnection | null = null;
  let cases = 0;
  beforeAll(async () => {
    if (kind === 'redis') redis = await RedisConnection.open({ url: TEST_REDIS_URL, prefix }, createLogger('silent'));
  });
  afterAll(async () => {
    await redis?.close();
    await dropRedisPrefix(prefix);
  });
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };
  const counterOf = (now: () => number): ListenerCounter => {
    if (!redis) return new MemoryListenerCounter(now);
    // Channel names are shared across cases in one prefix: each case counts on its own channels.
    const run = `case${++cases}:`;
    const inner = new RedisListenerCounter(redis, now);
    return {
      beat: (ch, id) => inner.beat(run + ch, id),
      leave: (ch, id) => inner.leave(run + ch, id),
      count: (ch) => inner.count(run + ch),
      channels: async () => (await inner.channels()).filter((ch) => ch.startsWith(run)).map((ch) => ch.slice(run.length))
    };
  };

  it('counts distinct listeners per channel, not heartbeats', async () => {
    const c = clock();
    const counter = counterOf(c.now);
    expect(await counter.beat('ch1', 'g:alice')).toBe(1);
    expect(await counter.beat('ch1', 'g:alice')).toBe(1);
    expect(await counter.beat('ch1', 'u:bob')).toBe(2);
    expect(await counter.beat('ch2', 'g:alice')).toBe(1);
    expect(await counter.count('ch1')).toBe(2);
    expect(await counter.count('ch3')).toBe(0);
  });

  it('drops a listener 45 s after their last heartbeat; a beat within the window keeps them', async () => {
    const c = clock();
    const counter = counterOf(c.now);
    await counter.beat('ch1', 'a');
    await counter.beat('ch1', 'b');
    c.advance(30_000);
    await counter.beat('ch1', 'a');
    c.advance(LISTENER_WINDOW_MS - 30_000 - 1);
    expect(await counter.count('ch1')).toBe(2);
    c.advance(1);
    expect(await counter.count('ch1')).toBe(1);
    c.advance(30_000);
    expect(await counter.count('ch1')).toBe(0);
    expect(await counter.channels()).toEqual([]);
  });

  it('drops a listener at once when their player stops', async () => {
    const c = clock();
    const counter = counterOf(c.now);
    await counter.beat('ch1', 'a');
    await counter.beat('ch1', 'b');
    expect(await counter.leave('ch1', 'a')).toBe(1);
    expect(await counter.leave('ch1', 'nobody')).toBe(1);
    expect(await counter.channels()).toEqual(['ch1']);
  });
});
