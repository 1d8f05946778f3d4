import type { Kysely, Updateable } from 'kysely';
import type { Database, WebhookDeliveryRow, WebhookDeliveryTable, WebhookRow } from '../db/schema';

/** Deliveries kept per webhook: the log shows the latest ones. */
export const DELIVERY_LOG_SIZE = 50;

/** All SQL about webhooks and their deliveries. */
export class WebhookRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres'
  ) {}

  async create(row: WebhookRow): Promise<void> {
    await this.db.insertInto('webhooks').values(row).execute();
  }

  findById(id: string): Promise<WebhookRow | undefined> {
    return this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The project's own webhooks (request callbacks are not listed). */
  listByProject(projectId: string): Promise<WebhookRow[]> {
    return this.db.selectFrom('webhooks').selectAll().where('project_id', '=', projectId).where('job_id', 'is', null).orderBy('created_at', 'asc').orderBy('id').execute();
  }

  /** Enabled project webhooks plus the callbacks of this one job. */
  forJob(projectId: string, jobId: string): Promise<WebhookRow[]> {
    return this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('enabled', '=', 1)
      .where((eb) => eb.or([eb('job_id', 'is', null), eb('job_id', '=', jobId)]))
      .execute();
  }

  /** Deliveries of the project's request callbacks, newest first. */
  callbackDeliveries(projectId: string, limit: number) {
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .selectAll('d')
      .select(['w.url', 'w.job_id'])
      .where('w.project_id', '=', projectId)
      .where('w.job_id', 'is not', null)
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Enabled webhooks of the project that want events of this channel. */
  forChannel(projectId: string, channelId: string): Promise<WebhookRow[]> {
    return this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('enabled', '=', 1)
      .where('job_id', 'is', null)
      .where((eb) => eb.or([eb('channel_id', 'is', null), eb('channel_id', '=', channelId)]))
      .execute();
  }

  async update(id: string, patch: Partial<WebhookRow>): Promise<void> {
    await this.db.updateTable('webhooks').set(patch).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('webhooks').where('id', '=', id).execute();
  }

  /** Adds a delivery and trims the log to the latest DELIVERY_LOG_SIZE (finished ones go first). */
  async addDelivery(row: WebhookDeliveryRow): Promise<void> {
    await this.db.insertInto('webhook_deliveries').values(row).execute();
    const old = await this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('webhook_id', '=', row.webhook_id)
      .where('status', '!=', 'pending')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(DELIVERY_LOG_SIZE)
      .limit(1000)
      .execute();
    if (old.length) await this.db.deleteFrom('webhook_deliveries').where('id', 'in', old.map((o) => o.id)).execute();
  }

  deliveries(webhookId: string): Promise<WebhookDeliveryRow[]> {
    return this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(DELIVERY_LOG_SIZE)
      .execute();
  }

  /**
   * Takes up to `limit` pending deliveries due by `now`, oldest first, with their webhook, in one conditional UPDATE:
   * each taken one is not due again until `until`, so another web process's loop skips it (and a process that dies
   * while sending leaves it to be tried again then). PostgreSQL skips rows another claim has locked; SQLite runs the
   * statement alone.
   */
  async claimDue(now: number, until: number, limit: number) {
    const ids = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: until })
      .where('id', 'in', (eb) => {
        const pick = eb.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('next_attempt_at', 'asc').limit(limit);
        return this.dialect === 'postgres' ? pick.forUpdate().skipLocked() : pick;
      })
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returning('id')
      .execute();
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .selectAll('d')
      .select(['w.url', 'w.secret', 'w.job_id'])
      .where('d.id', 'in', ids.map((r) => r.id))
      .orderBy('d.created_at', 'asc')
      .execute();
  }

  /** Records an attempt's outcome if this claim (`claimedUntil`) still holds the delivery; false when it lost it. */
  async updateDelivery(id: string, claimedUntil: number, patch: Updateable<WebhookDeliveryTable>): Promise<boolean> {
    const r = await this.db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '=', claimedUntil).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
