import { sql } from 'kysely';
import type { Db } from '../db/database';
import type { RedisConnection } from '../redis/redis-connection';
import type { BlobStorage, StorageCheck } from '../storage/storage';
import type { WorkerInfo } from '$lib/worker-protocol';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  database: { ok: boolean; dialect: string; latencyMs?: number; error?: string };
  storage: StorageCheck;
  /** With REDIS_URL only: the Redis that the web processes share socket.io rooms, listener counts and rate limits through. */
  redis?: { ok: boolean; latencyMs?: number; error?: string };
  realtime: { yjsConnections: number; loadedDocuments: number; socketClients: number };
  /** Workers connected to this web process. */
  workers: { connected: number; list: WorkerInfo[] };
  /** Jobs waiting and running, per type, across all web processes. */
  queue: Record<string, { queued: number; running: number }>;
}

export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly storage: BlobStorage,
    private readonly realtime: () => HealthReport['realtime'],
    private readonly workers: () => WorkerInfo[],
    private readonly queueDepth: () => Promise<HealthReport['queue']>,
    private readonly version: string,
    private readonly redis: RedisConnection | null = null
  ) {}

  async report(): Promise<HealthReport> {
    const t0 = performance.now();
    let database: HealthReport['database'];
    try {
      await sql`select 1`.execute(this.db.kysely);
      database = { ok: true, dialect: this.db.dialect, latencyMs: Math.round((performance.now() - t0) * 100) / 100 };
    } catch (e) {
      database = { ok: false, dialect: this.db.dialect, error: (e as Error).message };
    }
    const storage = await this.storage.check();
    const queue = database.ok ? await this.queueDepth().catch(() => ({})) : {};
    const list = this.workers();
    const redis = this.redis ? await this.redis.check() : undefined;
    return {
      // Not Redis: every web process shares it, so a 503 for it would take them all out of the load balancer at once.
      status: database.ok && storage.ok ? 'ok' : 'degraded',
      version: this.version,
      uptimeSeconds: Math.round(process.uptime()),
      database,
      storage,
      ...(redis && { redis }),
      realtime: this.realtime(),
      workers: { connected: list.length, list },
      queue
    };
  }
}
