import { randomBytes } from 'node:crypto';
import type { RedisConnection } from './redis-connection';

/** Deletes the key only while it still holds our token: a holder whose lease ran out never frees the next holder's. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lease lock for work that must run on one web process at a time (a periodic sweep, one channel's generator step):
 * Redis `SET key token NX PX ttl`, released by compare-and-delete — the single-instance Redis lock. Without Redis there
 * is one web process, and the lock is a map in it. The lease bounds how long a holder that died keeps others out.
 */
export class LeaseLock {
  private readonly local = new Map<string, { token: string; until: number }>();

  constructor(
    private readonly redis: RedisConnection | null,
    private readonly now: () => number = Date.now
  ) {}

  /** The lock's token when taken, or null when another holder has it. */
  async acquire(name: string, ttlMs: number): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    if (this.redis) {
      const ok = await this.redis.client.set(this.redis.key(`lock:${name}`), token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      return ok === 'OK' ? token : null;
    }
    const held = this.local.get(name);
    if (held && held.until > this.now()) return null;
    // Leases taken and never released (decisions kept for a while) must not pile up.
    if (this.local.size >= 1000) for (const [k, v] of this.local) if (v.until <= this.now()) this.local.delete(k);
    this.local.set(name, { token, until: this.now() + ttlMs });
    return token;
  }

  /** Frees the lock if `token` still holds it; true when it did. */
  async release(name: string, token: string): Promise<boolean> {
    if (this.redis) return (await this.redis.client.eval(RELEASE, 1, this.redis.key(`lock:${name}`), token)) === 1;
    if (this.local.get(name)?.token !== token) return false;
    this.local.delete(name);
    return true;
  }

  /**
   * Runs `fn` holding the lock, or skips it when another process (or an earlier run here) holds it: `ran` says which.
   * `ttlMs` should exceed the work's longest run; past it another process may start the same work.
   */
  async run<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const token = await this.acquire(name, ttlMs);
    if (token === null) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await this.release(name, token).catch(() => false);
    }
  }
}
