import { sql, type Kysely } from 'kysely';
import type { Database, JobRow, JobStatus } from '../db/schema';

export interface ClaimFilter {
  types: string[];
  /** Only projects this user owns (a user's worker token); null serves every project. */
  ownerId: string | null;
}

export interface JobListFilter {
  status?: JobStatus;
  type?: string;
  limit: number;
  /** Paging: jobs created before this time. */
  before?: number;
}

/** All SQL for jobs. Every state change is one conditional UPDATE, so two processes can never both win it. */
export class JobRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres'
  ) {}

  /** Inserts, or returns the existing job with the same idempotency key in the project. */
  async insert(job: JobRow): Promise<{ job: JobRow; created: boolean }> {
    const inserted = await this.db
      .insertInto('jobs')
      .values(job)
      .onConflict((oc) => oc.columns(['project_id', 'idempotency_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { job: inserted, created: true };
    const existing = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('project_id', '=', job.project_id)
      .where('idempotency_key', '=', job.idempotency_key)
      .executeTakeFirstOrThrow();
    return { job: existing, created: false };
  }

  findById(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Queued jobs of these types in the project, never run, held back until after `now` (waiting for something). */
  held(projectId: string, types: string[], now: number): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('type', 'in', types)
      .where('status', '=', 'queued')
      .where('attempts', '=', 0)
      .where('run_after', '>', now)
      .execute();
  }

  /** Lets held jobs run now. */
  async runNow(ids: string[], now: number): Promise<void> {
    if (ids.length) await this.db.updateTable('jobs').set({ run_after: now, updated_at: now }).where('id', 'in', ids).where('status', '=', 'queued').execute();
  }

  listForProject(projectId: string, f: JobListFilter): Promise<JobRow[]> {
    let q = this.db.selectFrom('jobs').selectAll().where('project_id', '=', projectId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.before !== undefined) q = q.where('created_at', '<', f.before);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  }

  /**
   * Takes the most urgent runnable job for a worker, in one statement. PostgreSQL's subquery skips rows another
   * transaction has locked (SKIP LOCKED); SQLite runs each statement alone, and the `status = 'queued'` guard
   * makes a claim that lost a race take nothing. No explicit transaction: on SQLite a read-then-write transaction
   * fails with SQLITE_BUSY when another connection writes in between.
   */
  async claim(workerId: string, filter: ClaimFilter, leaseMs: number, now: number): Promise<JobRow | undefined> {
    if (filter.types.length === 0) return undefined;
    return this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        attempts: eb('attempts', '+', 1),
        lease_owner: workerId,
        lease_expires_at: now + leaseMs,
        started_at: sql<number>`coalesce(started_at, ${now})`,
        progress: 0,
        progress_message: null,
        updated_at: now
      }))
      .where('id', '=', (eb) => {
        let pick = eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '=', 'queued')
          .where('type', 'in', filter.types)
          .where('run_after', '<=', now);
        if (filter.ownerId !== null) {
          const ownerId = filter.ownerId;
          pick = pick.where('project_id', 'in', (sub) =>
            sub.selectFrom('project_members').select('project_id').where('user_id', '=', ownerId).where('role', '=', 'owner')
          );
        }
        pick = pick.orderBy('priority', 'desc').orderBy('run_after').orderBy('created_at').orderBy('id').limit(1);
        return this.dialect === 'postgres' ? pick.forUpdate().skipLocked() : pick;
      })
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
  }

  /** Renews leases held by the worker; returns the ids it no longer holds (canceled, expired and re-queued). */
  async heartbeat(workerId: string, jobIds: string[], leaseMs: number, now: number): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const renewed = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: now + leaseMs })
      .where('id', 'in', jobIds)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .returning('id')
      .execute();
    const held = new Set(renewed.map((r) => r.id));
    return jobIds.filter((id) => !held.has(id));
  }

  /** The running jobs whose lease `workerId` holds, whichever web process it took them through. */
  heldBy(workerId: string): Promise<{ id: string; type: string }[]> {
    return this.db.selectFrom('jobs').select(['id', 'type']).where('status', '=', 'running').where('lease_owner', '=', workerId).execute();
  }

  async progress(jobId: string, workerId: string, progress: number, message: string | null, now: number): Promise<JobRow | undefined> {
    return this.db
      .updateTable('jobs')
      .set({ progress, progress_message: message, updated_at: now })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Only the lease holder of a running job can finish it: a worker that lost its lease cannot overwrite. */
  async succeed(jobId: string, workerId: string, result: string, now: number): Promise<JobRow | undefined> {
    return this.db
      .updateTable('jobs')
      .set({ status: 'succeeded', result, error: null, progress: 1, lease_owner: null, lease_expires_at: null, completed_at: now, updated_at: now })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Back to the queue after `retryAt`, or failed for good when `retryAt` is null. */
  async fail(jobId: string, workerId: string, error: string, retryAt: number | null, now: number): Promise<JobRow | undefined> {
    return this.release(error, retryAt, now)
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('lease_owner', '=', workerId)
      .returningAll()
      .executeTakeFirst();
  }

  /** Running jobs whose lease ran out (their worker died or hung). */
  expiredLeases(now: number): Promise<JobRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('status', '=', 'running').where('lease_expires_at', '<', now).execute();
  }

  /** Releases an expired lease, unless a heartbeat renewed it since it was read. */
  releaseExpired(job: JobRow, error: string, retryAt: number | null, now: number): Promise<JobRow | undefined> {
    return this.release(error, retryAt, now)
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', job.lease_owner ?? '')
      .where('lease_expires_at', '<', now)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Releases every lease `workerId` holds on jobs of `types` (its socket is gone): back to the queue to run at once,
   * or failed on the last attempt. Two statements, each conditional on the owner, so a renewed or finished lease stays;
   * with `expiringBefore`, only leases not renewed since the worker left.
   */
  async releaseLeasesOf(workerId: string, types: string[], error: string, now: number, expiringBefore?: number): Promise<{ requeued: JobRow[]; failed: JobRow[] }> {
    if (types.length === 0) return { requeued: [], failed: [] };
    const held = (q: ReturnType<JobRepository['release']>) => {
      const mine = q.where('status', '=', 'running').where('lease_owner', '=', workerId).where('type', 'in', types);
      // A lease renewed since (the worker came back, maybe through another web process) expires later: it stays.
      return expiringBefore === undefined ? mine : mine.where('lease_expires_at', '<', expiringBefore);
    };
    const requeued = await held(this.release(error, now, now)).where((eb) => eb('attempts', '<', eb.ref('max_attempts'))).returningAll().execute();
    const failed = await held(this.release(`${error} It was the last attempt.`, null, now)).returningAll().execute();
    return { requeued, failed };
  }

  /** Counts the holder's current run of a running job as its first attempt; false when it does not hold the job. */
  async restartAttemptCount(jobId: string, workerId: string): Promise<boolean> {
    const r = await this.db.updateTable('jobs').set({ attempts: 1 }).where('id', '=', jobId).where('status', '=', 'running').where('lease_owner', '=', workerId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  private release(error: string, retryAt: number | null, now: number) {
    const q = this.db.updateTable('jobs');
    return retryAt === null
      ? q.set({ status: 'failed', error, lease_owner: null, lease_expires_at: null, completed_at: now, updated_at: now })
      : q.set({ status: 'queued', error, lease_owner: null, lease_expires_at: null, run_after: retryAt, updated_at: now });
  }

  async cancel(jobId: string, now: number): Promise<JobRow | undefined> {
    return this.db
      .updateTable('jobs')
      .set({ status: 'canceled', lease_owner: null, lease_expires_at: null, completed_at: now, updated_at: now, error: 'Canceled.' })
      .where('id', '=', jobId)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
  }

  /** A finished job that did not succeed goes back to the queue with a fresh set of attempts. */
  async retry(jobId: string, now: number): Promise<JobRow | undefined> {
    return this.db
      .updateTable('jobs')
      .set({ status: 'queued', attempts: 0, error: null, result: null, progress: 0, progress_message: null, run_after: now, completed_at: null, updated_at: now })
      .where('id', '=', jobId)
      .where('status', 'in', ['failed', 'canceled'])
      .returningAll()
      .executeTakeFirst();
  }

  async queueDepth(): Promise<Record<string, { queued: number; running: number }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['type', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['queued', 'running'])
      .groupBy(['type', 'status'])
      .execute();
    const out: Record<string, { queued: number; running: number }> = {};
    for (const r of rows) {
      const slot = (out[r.type] ??= { queued: 0, running: 0 });
      slot[r.status as 'queued' | 'running'] = Number(r.n);
    }
    return out;
  }
}
