import { Redis } from 'ioredis';

/** The suite's Redis (npm test starts Debian's when none answers on 127.0.0.1:6379). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix of one test's own, so test files running at once never see each other's keys, channels or streams. */
export function testRedisPrefix(name = 't'): string {
  return `airstudio-test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** Deletes every key under `prefix` (for afterAll). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
