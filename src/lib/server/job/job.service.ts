import { canEdit } from '$lib/editor/model/role';
import { newId } from '$lib/editor/model/ids';
import type { JobJson } from '$lib/job';
import type { JobRow, UserRow } from '../db/schema';
import { conflict, forbidden, notFound } from '../http/api-error';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import type { ClaimFilter, JobRepository } from './job.repository';

export interface EnqueueOptions {
  type: string;
  input: unknown;
  priority?: number;
  maxAttempts?: number;
  /** A second enqueue with the same key in the project returns the first job instead. */
  idempotencyKey?: string | null;
  createdBy?: string | null;
  runAfter?: number;
  /** Seconds of content the job works on: what a priced job type is charged for (see JobCredits). */
  contentSeconds?: number;
}

/** Pays for priced job types from the project owner's credits. */
export interface JobCredits {
  /** Charges before the job exists; throws (402) when the owner's balance is short. Free job types pass. */
  charge(job: { id: string; projectId: string; type: string; createdBy: string | null }, contentSeconds: number | undefined): Promise<void>;
  /** Charges a priced job again for another run (retry); true when it charged. */
  recharge(job: JobJson, actorId: string): Promise<boolean>;
  /** Gives back the job's charge, once however often it is called. */
  refund(job: { id: string; type: string }, reason: string): Promise<void>;
}

/** What a job type does on the server side around a worker's run. */
export interface JobKind {
  /** Signed URLs the worker needs (e.g. the source file), made fresh for each attempt. */
  urls?(job: JobJson): Promise<Record<string, string>> | Record<string, string>;
  /** Checks and applies a worker's result (e.g. records variants); throwing fails the job with that message. */
  succeeded?(job: JobJson, result: unknown): Promise<unknown> | unknown;
  /** Runs when the job fails for good or is canceled. */
  stopped?(job: JobJson): Promise<void> | void;
  /** Runs when a worker takes the job. */
  started?(job: JobJson): Promise<void> | void;
}

export type JobEvent = { job: JobJson; change: 'queued' | 'started' | 'progress' | 'succeeded' | 'failed' | 'retrying' | 'canceled' };

export interface JobConfig {
  leaseMs: number;
  defaultMaxAttempts: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_JOB_CONFIG: JobConfig = { leaseMs: 30_000, defaultMaxAttempts: 3, backoff: DEFAULT_BACKOFF };

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function jobJson(r: JobRow): JobJson {
  return {
    id: r.id,
    projectId: r.project_id,
    type: r.type,
    status: r.status,
    input: parse(r.input),
    result: parse(r.result),
    error: r.error,
    progress: r.progress,
    progressMessage: r.progress_message,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    priority: r.priority,
    runAfter: r.run_after,
    idempotencyKey: r.idempotency_key,
    createdBy: r.created_by,
    worker: r.lease_owner,
    createdAt: r.created_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    updatedAt: r.updated_at
  };
}

/** The durable queue: enqueue, claim with a lease, heartbeat, finish, retry with backoff, cancel. */
export class JobService {
  private readonly kinds = new Map<string, JobKind>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  /** Set by the composition root; without it nothing is charged. */
  credits?: JobCredits;

  constructor(
    private readonly jobs: JobRepository,
    private readonly projects: ProjectService,
    private readonly logger: Logger,
    readonly config: JobConfig = DEFAULT_JOB_CONFIG,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random
  ) {}

  registerKind(type: string, kind: JobKind): void {
    this.kinds.set(type, kind);
  }

  onEvent(fn: (e: JobEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(row: JobRow | undefined, change: JobEvent['change']): JobJson | undefined {
    if (!row) return undefined;
    const job = jobJson(row);
    for (const fn of this.listeners) {
      try {
        fn({ job, change });
      } catch (e) {
        this.logger.error({ err: e }, 'job event listener failed');
      }
    }
    return job;
  }

  async enqueue(projectId: string, o: EnqueueOptions): Promise<{ job: JobJson; created: boolean }> {
    const t = this.now();
    const id = newId();
    await this.credits?.charge({ id, projectId, type: o.type, createdBy: o.createdBy ?? null }, o.contentSeconds);
    const { job, created } = await this.jobs
      .insert({
        id,
        project_id: projectId,
        type: o.type,
        status: 'queued',
        input: JSON.stringify(o.input ?? null),
        result: null,
        error: null,
        progress: 0,
        progress_message: null,
        attempts: 0,
        max_attempts: o.maxAttempts ?? this.config.defaultMaxAttempts,
        priority: o.priority ?? 0,
        run_after: o.runAfter ?? t,
        lease_owner: null,
        lease_expires_at: null,
        idempotency_key: o.idempotencyKey ?? null,
        created_by: o.createdBy ?? null,
        created_at: t,
        started_at: null,
        completed_at: null,
        updated_at: t
      })
      .catch(async (e: unknown) => {
        await this.credits?.refund({ id, type: o.type }, 'The job could not be queued.');
        throw e;
      });
    if (created) return { job: this.emit(job, 'queued')!, created };
    // The key named an existing job, which paid when it was enqueued: this charge was for nothing.
    await this.credits?.refund({ id, type: o.type }, 'Enqueued twice: the first job runs instead.');
    return { job: jobJson(job), created };
  }

  // ---- the worker side (called by the worker gateway) ----

  async claim(workerId: string, filter: ClaimFilter): Promise<{ job: JobJson; urls: Record<string, string> } | undefined> {
    const row = await this.jobs.claim(workerId, filter, this.config.leaseMs, this.now());
    const job = this.emit(row, 'started');
    if (!job) return undefined;
    const kind = this.kinds.get(job.type);
    try {
      await kind?.started?.(job);
      return { job, urls: (await kind?.urls?.(job)) ?? {} };
    } catch (e) {
      // The job cannot be handed out (e.g. its asset is gone): fail this attempt rather than the worker.
      await this.fail(workerId, job.id, `Could not prepare the job: ${(e as Error).message}`, false);
      return undefined;
    }
  }

  heartbeat(workerId: string, jobIds: string[]): Promise<string[]> {
    return this.jobs.heartbeat(workerId, jobIds, this.config.leaseMs, this.now());
  }

  async progress(workerId: string, jobId: string, progress: number, message: string | null): Promise<void> {
    const p = Math.min(1, Math.max(0, Number.isFinite(progress) ? progress : 0));
    this.emit(await this.jobs.progress(jobId, workerId, p, message?.slice(0, 200) ?? null, this.now()), 'progress');
  }

  /** False when the worker no longer holds the job (canceled, or its lease expired and it went elsewhere). */
  async complete(workerId: string, jobId: string, result: unknown): Promise<boolean> {
    const current = await this.jobs.findById(jobId);
    if (!current || current.status !== 'running' || current.lease_owner !== workerId) return false;
    let applied = result;
    const kind = this.kinds.get(current.type);
    if (kind?.succeeded) {
      try {
        applied = (await kind.succeeded(jobJson(current), result)) ?? result;
      } catch (e) {
        return this.fail(workerId, jobId, `The result was not accepted: ${(e as Error).message}`, false);
      }
    }
    const row = await this.jobs.succeed(jobId, workerId, JSON.stringify(applied ?? null), this.now());
    this.emit(row, 'succeeded');
    return row !== undefined;
  }

  async fail(workerId: string, jobId: string, error: string, retryable = true): Promise<boolean> {
    const current = await this.jobs.findById(jobId);
    if (!current || current.status !== 'running' || current.lease_owner !== workerId) return false;
    const t = this.now();
    const retryAt = retryable && current.attempts < current.max_attempts ? t + backoffDelay(current.attempts, this.config.backoff, this.random) : null;
    const row = await this.jobs.fail(jobId, workerId, error.slice(0, 4000), retryAt, t);
    const job = this.emit(row, retryAt === null ? 'failed' : 'retrying');
    if (job && retryAt === null) await this.stopped(job, `Failed: ${job.error ?? 'no reason given'}`);
    return row !== undefined;
  }

  /** Re-queues (or fails, on the last attempt) jobs whose worker stopped renewing its lease. */
  async releaseExpiredLeases(): Promise<number> {
    const t = this.now();
    let released = 0;
    for (const job of await this.jobs.expiredLeases(t)) {
      const last = job.attempts >= job.max_attempts;
      const error = `The worker (${job.lease_owner}) stopped responding; its lease expired${last ? ' on the last attempt' : ''}.`;
      const row = await this.jobs.releaseExpired(job, error, last ? null : t, t);
      const json = this.emit(row, last ? 'failed' : 'retrying');
      if (json) {
        released++;
        this.logger.warn({ jobId: job.id, worker: job.lease_owner }, 'job lease expired');
        if (last) await this.stopped(json, error);
      }
    }
    return released;
  }

  /** The running jobs `workerId` holds, whichever web process it took them through. */
  held(workerId: string): Promise<{ id: string; type: string }[]> {
    return this.jobs.heldBy(workerId);
  }

  /** The jobs `workerId` holds, with their leases renewed: a worker that connects (again) keeps what it runs. */
  async adopt(workerId: string): Promise<{ id: string; type: string }[]> {
    const held = await this.jobs.heldBy(workerId);
    await this.heartbeat(workerId, held.map((j) => j.id));
    return held;
  }

  /**
   * The worker's connection is gone for good (not back within the gateway's grace): its leases on jobs of `types` are
   * released now rather than when they expire, re-queued to run at once ('retrying'), or failed on the last attempt.
   * With `goneSince` (when its socket closed), a lease renewed after that stays: the worker is back, here or elsewhere.
   */
  async releaseLeasesOf(workerId: string, types: string[], goneSince?: number): Promise<number> {
    const t = this.now();
    const expiringBefore = goneSince === undefined ? undefined : goneSince + this.config.leaseMs;
    const { requeued, failed } = await this.jobs.releaseLeasesOf(workerId, types, `The worker (${workerId}) disconnected and did not come back.`, t, expiringBefore);
    for (const row of requeued) this.emit(row, 'retrying');
    for (const row of failed) {
      const json = this.emit(row, 'failed');
      if (json) await this.stopped(json, json.error ?? 'Its worker disconnected.');
    }
    const released = requeued.length + failed.length;
    if (released) this.logger.warn({ worker: workerId, jobIds: [...requeued, ...failed].map((r) => r.id) }, 'leases of a disconnected worker released');
    return released;
  }

  /** `refundReason` null: the job's work was spent (canceled while it ran), so its charge stands. */
  private async stopped(job: JobJson, refundReason: string | null): Promise<void> {
    try {
      await this.kinds.get(job.type)?.stopped?.(job);
    } catch (e) {
      this.logger.error({ err: e, jobId: job.id }, 'job stop hook failed');
    }
    if (refundReason === null) return;
    try {
      await this.credits?.refund(job, refundReason);
    } catch (e) {
      this.logger.error({ err: e, jobId: job.id }, 'job refund failed');
    }
  }

  // ---- the people side (API and studio) ----

  async get(user: UserRow, jobId: string): Promise<JobJson> {
    const row = await this.jobs.findById(jobId);
    if (!row || !(await this.projects.roleOf(user.id, row.project_id))) throw notFound('No job with that id in your projects.');
    return jobJson(row);
  }

  async list(user: UserRow, projectId: string, f: { status?: JobJson['status']; type?: string; limit?: number; before?: number }): Promise<JobJson[]> {
    await this.projects.requireRole(user.id, projectId);
    const rows = await this.jobs.listForProject(projectId, { ...f, limit: Math.min(200, f.limit ?? 50) });
    return rows.map(jobJson);
  }

  private async requireControl(user: UserRow, jobId: string): Promise<JobRow> {
    const row = await this.jobs.findById(jobId);
    const role = row ? await this.projects.roleOf(user.id, row.project_id) : null;
    if (!row || !role) throw notFound('No job with that id in your projects.');
    if (!canEdit(role) && row.created_by !== user.id) throw forbidden('Viewers can only cancel or retry jobs they started.');
    return row;
  }

  async cancel(user: UserRow, jobId: string): Promise<JobJson> {
    const before = await this.requireControl(user, jobId);
    const row = await this.jobs.cancel(jobId, this.now());
    if (!row) throw conflict(`The job has already ${before.status === 'succeeded' ? 'succeeded' : 'finished'}; nothing to cancel.`, 'job_finished');
    // The gateway tells the worker through its room, on whichever web process it is; failing that, its next heartbeat.
    const job = this.emit({ ...row, lease_owner: before.lease_owner }, 'canceled')!;
    await this.stopped(job, before.status === 'queued' ? 'Canceled before it ran.' : null);
    return { ...job, worker: null };
  }

  async retry(user: UserRow, jobId: string): Promise<JobJson> {
    const before = await this.requireControl(user, jobId);
    const charged = (before.status === 'failed' || before.status === 'canceled') && (await this.credits?.recharge(jobJson(before), user.id));
    const row = await this.jobs.retry(jobId, this.now());
    if (!row && charged) await this.credits?.refund(jobJson(before), 'The retry did not happen.');
    if (!row) throw conflict(`Only failed or canceled jobs can be retried; this one is ${before.status}.`, 'job_not_retryable');
    return this.emit(row, 'queued')!;
  }

  queueDepth() {
    return this.jobs.queueDepth();
  }
}
