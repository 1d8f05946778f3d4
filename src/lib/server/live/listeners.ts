import type { RedisConnection } from '../redis/redis-connection';

/**
 * Listener counting: distinct listeners (user or guest id) whose player reported "playing" within the window, per
 * channel. In memory for one web process; in Redis when several share the listeners.
 */
export interface ListenerCounter {
  /** A heartbeat from a playing player; returns the channel's count after it. */
  beat(channelId: string, listenerId: string): Promise<number>;
  /** The player paused or went away; returns the channel's count after it. */
  leave(channelId: string, listenerId: string): Promise<number>;
  count(channelId: string): Promise<number>;
  /** Channels with anyone counted (for sweeps that push expiries). */
  channels(): Promise<string[]>;
}

/** Three heartbeats (src/lib/stream/station-socket.ts): one lost beat does not drop a listener. */
export const LISTENER_WINDOW_MS = 45_000;
// Bounds memory against a client that invents ids: beyond this a channel counts no new listeners.
const MAX_PER_CHANNEL = 100_000;

export class MemoryListenerCounter implements ListenerCounter {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = LISTENER_WINDOW_MS
  ) {}

  async beat(channelId: string, listenerId: string): Promise<number> {
    const m = this.seen.get(channelId) ?? new Map<string, number>();
    this.prune(m);
    if (m.has(listenerId) || m.size < MAX_PER_CHANNEL) m.set(listenerId, this.now());
    this.seen.set(channelId, m);
    return m.size;
  }

  async leave(channelId: string, listenerId: string): Promise<number> {
    this.seen.get(channelId)?.delete(listenerId);
    return this.count(channelId);
  }

  async count(channelId: string): Promise<number> {
    const m = this.seen.get(channelId);
    if (!m) return 0;
    if (this.prune(m) === 0) this.seen.delete(channelId);
    return m.size;
  }

  async channels(): Promise<string[]> {
    return [...this.seen.keys()];
  }

  private prune(m: Map<string, number>): number {
    const cutoff = this.now() - this.windowMs;
    for (const [id, at] of m) if (at <= cutoff) m.delete(id);
    return m.size;
  }
}

/**
 * The same count shared by every web process: a sorted set per channel (listener → last beat), expired by score,
 * and a set of the channels that have one.
 */
export class RedisListenerCounter implements ListenerCounter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly now: () => number = Date.now,
    private readonly windowMs = LISTENER_WINDOW_MS
  ) {}

  async beat(channelId: string, listenerId: string): Promise<number> {
    const key = this.keyOf(channelId);
    const [, known] = await this.expire(channelId).zscore(key, listenerId).zcard(key).exec().then(results);
    const count = known as number;
    if (known === null && count >= MAX_PER_CHANNEL) return count;
    const [, , size] = await this.redis.client
      .multi()
      .zadd(key, this.now(), listenerId)
      .pexpire(key, this.windowMs)
      .zcard(key)
      .sadd(this.redis.key('listeners:channels'), channelId)
      .exec()
      .then(results);
    return size as number;
  }

  async leave(channelId: string, listenerId: string): Promise<number> {
    await this.redis.client.zrem(this.keyOf(channelId), listenerId);
    return this.count(channelId);
  }

  async count(channelId: string): Promise<number> {
    const [, size] = await this.expire(channelId).zcard(this.keyOf(channelId)).exec().then(results);
    if (size === 0) await this.redis.client.srem(this.redis.key('listeners:channels'), channelId);
    return size as number;
  }

  async channels(): Promise<string[]> {
    return this.redis.client.smembers(this.redis.key('listeners:channels'));
  }

  private expire(channelId: string) {
    return this.redis.client.multi().zremrangebyscore(this.keyOf(channelId), '-inf', this.now() - this.windowMs);
  }

  private keyOf(channelId: string): string {
    return this.redis.key(`listeners:${channelId}`);
  }
}

function results(r: [Error | null, unknown][] | null): unknown[] {
  if (!r) throw new Error('Redis transaction aborted');
  return r.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
