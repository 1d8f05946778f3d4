import { Redis } from 'ioredis';
import type { Logger } from '../log';

export interface RedisSettings {
  url: string;
  /** Put before every key, channel and stream name, so several installs (or test runs) can share one Redis. */
  prefix: string;
}

/**
 * The web process's Redis (REDIS_URL), present when several web processes share the work: one connection for
 * commands, and a dedicated one per subscriber or blocking reader (Redis gives a subscribed connection to nothing else).
 */
export class RedisConnection {
  private readonly extra = new Set<Redis>();

  private constructor(
    readonly settings: RedisSettings,
    readonly client: Redis,
    private readonly logger: Logger
  ) {}

  /** Connects and pings; a Redis that does not answer stops the start with the reason. */
  static async open(settings: RedisSettings, logger: Logger): Promise<RedisConnection> {
    const client = new Redis(settings.url, { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'airstudio' });
    client.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error; reconnecting'));
    try {
      await client.connect();
      await client.ping();
    } catch (e) {
      client.disconnect();
      throw new Error(`REDIS_URL=${redacted(settings.url)} does not answer (${(e as Error).message}). Start Redis, or unset REDIS_URL for a single web process.`);
    }
    return new RedisConnection(settings, client, logger);
  }

  /** `name` under this install's prefix. */
  key(name: string): string {
    return `${this.settings.prefix}${name}`;
  }

  /** A new connection of its own (for SUBSCRIBE or blocking reads), closed with this one. */
  async duplicate(name: string): Promise<Redis> {
    const c = this.client.duplicate({ lazyConnect: true, connectionName: `airstudio-${name}` });
    c.on('error', (err) => this.logger.warn({ err: err.message, connection: name }, 'redis connection error; reconnecting'));
    await c.connect();
    this.extra.add(c);
    return c;
  }

  /** For /health: answers at once while the connection is down rather than waiting out ioredis's retries. */
  async check(): Promise<{ ok: boolean; latencyMs?: number; error?: string }> {
    const down = (why: string) => ({ ok: false, error: `Redis at ${redacted(this.settings.url)} ${why}: socket.io events, listener counts and rate limits are not shared between web processes.` });
    if (this.client.status !== 'ready') return down(`is not connected (${this.client.status})`);
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.client.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 2 s')), CHECK_TIMEOUT_MS)))]);
      return { ok: true, latencyMs: Math.round((performance.now() - t0) * 100) / 100 };
    } catch (e) {
      return down(`does not answer (${(e as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    for (const c of this.extra) c.disconnect();
    this.extra.clear();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

const CHECK_TIMEOUT_MS = 2_000;

function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}
