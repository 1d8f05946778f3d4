import type { LiveHealth } from '$lib/live';
import type { RedisConnection } from '../redis/redis-connection';

/**
 * Which live job is on a channel's air and its last health report: written by the web process its worker reports to,
 * read by every process that answers the dashboard and the stream page. In memory for one process, in Redis for several.
 */
export interface LiveAirState {
  airing(channelId: string): Promise<string | null>;
  setAiring(channelId: string, jobId: string): Promise<void>;
  clearAiring(channelId: string): Promise<void>;
  health(channelId: string): Promise<LiveHealth | null>;
  setHealth(channelId: string, health: LiveHealth): Promise<void>;
  clearHealth(channelId: string): Promise<void>;
}

export class MemoryLiveAirState implements LiveAirState {
  private readonly jobs = new Map<string, string>();
  private readonly reports = new Map<string, LiveHealth>();

  async airing(channelId: string) {
    return this.jobs.get(channelId) ?? null;
  }
  async setAiring(channelId: string, jobId: string) {
    this.jobs.set(channelId, jobId);
  }
  async clearAiring(channelId: string) {
    this.jobs.delete(channelId);
  }
  async health(channelId: string) {
    return this.reports.get(channelId) ?? null;
  }
  async setHealth(channelId: string, health: LiveHealth) {
    this.reports.set(channelId, health);
  }
  async clearHealth(channelId: string) {
    this.reports.delete(channelId);
  }
}

/** Renewed with every playlist the worker delivers (every few seconds); gone a day after the last one. */
const AIRING_TTL_S = 24 * 3600;
/** Renewed every second by the worker's report; a report this old describes a worker long gone. */
const HEALTH_TTL_S = 300;

export class RedisLiveAirState implements LiveAirState {
  constructor(private readonly redis: RedisConnection) {}

  private keyOf(what: 'airing' | 'health', channelId: string) {
    return this.redis.key(`live:${what}:${channelId}`);
  }

  async airing(channelId: string) {
    return this.redis.client.get(this.keyOf('airing', channelId));
  }
  async setAiring(channelId: string, jobId: string) {
    await this.redis.client.set(this.keyOf('airing', channelId), jobId, 'EX', AIRING_TTL_S);
  }
  async clearAiring(channelId: string) {
    await this.redis.client.del(this.keyOf('airing', channelId));
  }
  async health(channelId: string) {
    const text = await this.redis.client.get(this.keyOf('health', channelId));
    return text ? (JSON.parse(text) as LiveHealth) : null;
  }
  async setHealth(channelId: string, health: LiveHealth) {
    await this.redis.client.set(this.keyOf('health', channelId), JSON.stringify(health), 'EX', HEALTH_TTL_S);
  }
  async clearHealth(channelId: string) {
    await this.redis.client.del(this.keyOf('health', channelId));
  }
}
