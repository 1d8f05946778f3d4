import { sql } from 'kysely';
import type { Db } from '../db/database';
import type { LocalStorage } from '../storage/local-storage';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  database: { ok: boolean; dialect: string; latencyMs?: number; error?: string };
  storage: Awaited<ReturnType<LocalStorage['check']>>;
  realtime: { yjsConnections: number; loadedDocuments: number; socketClients: number };
  workers: { connected: number };
}

export class HealthService {
  constructor(
    private readonly db: Db,
    private readonly storage: LocalStorage,
    private readonly realtime: () => HealthReport['realtime'],
    private readonly version: string
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
    return {
      status: database.ok && storage.ok ? 'ok' : 'degraded',
      version: this.version,
      uptimeSeconds: Math.round(process.uptime()),
      database,
      storage,
      realtime: this.realtime(),
      // Workers arrive with the jobs issue; until then none can connect.
      workers: { connected: 0 }
    };
  }
}
