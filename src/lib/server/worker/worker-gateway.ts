import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import {
  WORKER_PROTOCOL_VERSION,
  type JobAssignment,
  type ServerToWorkerEvents,
  type WorkerInfo,
  type WorkerToServerEvents
} from '$lib/worker-protocol';
import { CHANNEL_LIVE } from '$lib/live';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';
import type { WorkerIdentity, WorkerTokenService } from './worker-token.service';

type WorkerSocket = Socket<WorkerToServerEvents, ServerToWorkerEvents, Record<string, never>, { worker: ConnectedWorker }>;
export type WorkerNamespace = Namespace<WorkerToServerEvents, ServerToWorkerEvents, Record<string, never>, { worker: ConnectedWorker }>;

interface ConnectedWorker {
  /** Lease owner in the jobs table: stable across reconnects of one worker process. */
  id: string;
  name: string;
  identity: WorkerIdentity;
  capabilities: string[];
  concurrency: number;
  version: string;
  running: Set<string>;
  /** Live jobs run for hours: each worker that announces them has one slot of its own for one, beside `concurrency`. */
  live: Set<string>;
  connectedAt: number;
  socket: WorkerSocket;
}

const helloSchema = z.object({
  token: z.string().min(1),
  name: z.string().trim().min(1).max(80),
  capabilities: z.array(z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/)).min(1).max(50),
  concurrency: z.number().int().min(1).max(64),
  version: z.string().max(40),
  protocol: z.number().int(),
  instanceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/)
});
const jobIdSchema = z.string().min(1).max(64);
const progressSchema = z.object({ jobId: jobIdSchema, progress: z.number(), message: z.string().max(500).optional() });
const heartbeatSchema = z.object({ jobIds: z.array(jobIdSchema).max(256) });
const completeSchema = z.object({ jobId: jobIdSchema, result: z.unknown() });
const failSchema = z.object({ jobId: jobIdSchema, error: z.string().max(20_000), retryable: z.boolean().optional() });

const badEvent = (message: string) => ({ ok: false as const, error: { code: 'bad_request', message } });

/** The room of one worker's socket on /workers: an emit to it reaches the worker whichever web process it is on. */
export const workerRoom = (workerId: string) => `worker:${workerId}`;

/**
 * The `/workers` socket.io namespace: authenticates workers, hands them jobs while they have free slots,
 * and turns their progress, heartbeats and results into job-service calls. Workers never touch the database.
 * With several web processes a worker may be on any of them: leases are by worker id in the database, what a worker
 * runs is read from there when it connects, and messages to one worker go to its room (across processes with the
 * socket.io Redis adapter).
 */
export class WorkerGateway {
  private readonly workers = new Map<string, ConnectedWorker>();
  private pumping = false;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopListening: () => void;
  /** Workers whose socket closed, by id: their live jobs are released unless the same worker is back in time. */
  private readonly gone = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ns: WorkerNamespace,
    private readonly jobs: JobService,
    private readonly tokens: WorkerTokenService,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
    private readonly liveReleaseGraceMs = 1000
  ) {
    ns.use(async (socket, next) => {
      const hello = helloSchema.safeParse(socket.handshake.auth);
      const fail = (code: string, message: string) => next(Object.assign(new Error(code), { data: { code, message } }));
      if (!hello.success) return fail('bad_hello', `The worker hello is invalid: ${hello.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (hello.data.protocol !== WORKER_PROTOCOL_VERSION) {
        return fail('protocol_mismatch', `This server speaks worker protocol ${WORKER_PROTOCOL_VERSION}; the worker speaks ${hello.data.protocol}. Update the worker.`);
      }
      let identity: WorkerIdentity | null;
      try {
        identity = await tokens.authenticate(hello.data.token);
      } catch (e) {
        logger.error({ err: e }, 'worker token check failed');
        return fail('internal', 'Could not check the worker token; try again.');
      }
      if (!identity) return fail('unauthorized', 'Unknown or revoked worker token: create one in settings or with `npm run worker-token`.');
      const h = hello.data;
      const id = `${identity.tokenId}:${h.instanceId}`;
      let held: { id: string; type: string }[];
      try {
        // Back after a blip, here or through another web process: what it holds counts against its slots from the start.
        held = await jobs.adopt(id);
      } catch (e) {
        logger.error({ err: e }, 'reading the jobs of a connecting worker failed');
        return fail('internal', 'Could not read what this worker runs; try again.');
      }
      socket.data.worker = {
        id,
        name: h.name,
        identity,
        capabilities: [...new Set(h.capabilities)],
        concurrency: h.concurrency,
        version: h.version,
        running: new Set(held.filter((j) => j.type !== CHANNEL_LIVE).map((j) => j.id)),
        live: new Set(held.filter((j) => j.type === CHANNEL_LIVE).map((j) => j.id)),
        connectedAt: Date.now(),
        socket
      };
      next();
    });
    ns.on('connection', (socket) => this.connected(socket));
    this.stopListening = jobs.onEvent(({ job, change }) => {
      if (change === 'queued') this.pump();
      if (change === 'canceled' && job.worker) this.stopJob(job.worker, job.id, 'canceled');
    });
    this.timer = setInterval(() => void this.tick(), pollMs);
    this.timer.unref();
  }

  private connected(socket: WorkerSocket): void {
    const w = socket.data.worker;
    clearTimeout(this.gone.get(w.id));
    this.gone.delete(w.id);
    this.workers.set(w.id, w);
    // The same worker process reconnected: an older socket of it, on this process or another, is stale.
    this.ns.in(workerRoom(w.id)).except(socket.id).disconnectSockets(true);
    void socket.join(workerRoom(w.id));
    // A cancel sent to the room (from any web process) frees the slot here, where the worker's socket is.
    socket.onAnyOutgoing((event: string, e: { jobId?: string }) => {
      if (event !== 'job:cancel' || !e?.jobId) return;
      w.running.delete(e.jobId);
      w.live.delete(e.jobId);
      this.pump();
    });
    this.logger.info({ worker: w.id, name: w.name, capabilities: w.capabilities, concurrency: w.concurrency }, 'worker connected');

    socket.on('job:progress', (e) => {
      const p = progressSchema.safeParse(e);
      if (p.success) void this.jobs.progress(w.id, p.data.jobId, p.data.progress, p.data.message ?? null).catch((err) => this.logger.error({ err }, 'job progress failed'));
    });
    socket.on('job:heartbeat', async (e, ack) => {
      if (typeof ack !== 'function') return;
      const p = heartbeatSchema.safeParse(e);
      if (!p.success) return ack(badEvent('job:heartbeat takes { jobIds: string[] }.'));
      try {
        for (const id of p.data.jobIds) if (!w.live.has(id)) w.running.add(id);
        const counted = [...w.running, ...w.live];
        const stop = await this.jobs.heartbeat(w.id, p.data.jobIds);
        // Slots of jobs it no longer holds (canceled, released or finished through another web process) are free again.
        const held = new Set((await this.jobs.held(w.id)).map((j) => j.id));
        const freed = [...stop, ...counted.filter((id) => !held.has(id))];
        for (const id of freed) {
          w.running.delete(id);
          w.live.delete(id);
        }
        // A live job claimed again between this heartbeat's send and its answer runs in the live slot, not here.
        for (const id of w.live) w.running.delete(id);
        ack({ ok: true, stop });
        if (freed.length) this.pump();
      } catch (err) {
        this.logger.error({ err }, 'heartbeat failed');
        ack({ ok: false, error: { code: 'internal', message: 'Heartbeat failed; keep going and try again.' } });
      }
    });
    socket.on('job:complete', async (e, ack) => {
      if (typeof ack !== 'function') return;
      const p = completeSchema.safeParse(e);
      if (!p.success) return ack(badEvent('job:complete takes { jobId, result }.'));
      await this.finish(w, p.data.jobId, ack, () => this.jobs.complete(w.id, p.data.jobId, p.data.result));
    });
    socket.on('job:fail', async (e, ack) => {
      if (typeof ack !== 'function') return;
      const p = failSchema.safeParse(e);
      if (!p.success) return ack(badEvent('job:fail takes { jobId, error, retryable? }.'));
      await this.finish(w, p.data.jobId, ack, () => this.jobs.fail(w.id, p.data.jobId, p.data.error, p.data.retryable ?? true));
    });
    socket.on('disconnect', (reason) => {
      if (this.workers.get(w.id)?.socket !== socket) return;
      this.workers.delete(w.id);
      // Its leases stay until they expire (a worker back within the lease keeps its jobs), except live ones: a station
      // cannot wait out a lease, so unless this worker is back within the grace its live jobs go to the queue now.
      this.logger.info({ worker: w.id, reason, running: w.running.size }, 'worker disconnected');
      clearTimeout(this.gone.get(w.id));
      const goneSince = Date.now();
      const timer = setTimeout(() => {
        this.gone.delete(w.id);
        if (this.workers.has(w.id)) return;
        // Back through another web process, it renewed its leases there: those stay.
        void this.jobs
          .releaseLeasesOf(w.id, [CHANNEL_LIVE], goneSince)
          .then((n) => n && this.pump())
          .catch((err) => this.logger.error({ err, worker: w.id }, 'releasing the live leases of a disconnected worker failed'));
      }, this.liveReleaseGraceMs);
      this.gone.set(w.id, timer);
    });
    this.pump();
  }

  private async finish(w: ConnectedWorker, jobId: string, ack: (r: { ok: true } | { ok: false; error: { code: string; message: string } }) => void, run: () => Promise<boolean>) {
    try {
      const held = await run();
      w.running.delete(jobId);
      w.live.delete(jobId);
      ack(held ? { ok: true } : { ok: false, error: { code: 'lease_lost', message: 'This worker no longer holds the job (canceled, or its lease expired).' } });
      this.pump();
    } catch (err) {
      this.logger.error({ err, jobId }, 'finishing a job failed');
      ack({ ok: false, error: { code: 'internal', message: 'The server could not record the outcome; try again.' } });
    }
  }

  /** Tells the worker to stop the job, on whichever web process it is connected (its slot is freed as it is sent). */
  private stopJob(workerId: string, jobId: string, reason: string): void {
    this.ns.to(workerRoom(workerId)).emit('job:cancel', { jobId, reason });
  }

  private async tick(): Promise<void> {
    try {
      await this.jobs.releaseExpiredLeases();
    } catch (err) {
      this.logger.error({ err }, 'releasing expired leases failed');
    }
    this.pump();
  }

  /** Hands out jobs round-robin, one per worker with a free slot per round, until none fit. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          let handed = true;
          while (handed) {
            handed = false;
            for (const w of this.workers.values()) {
              if (!w.socket.connected) continue;
              const liveFree = w.live.size === 0 && w.capabilities.includes(CHANNEL_LIVE);
              const others = w.capabilities.filter((c) => c !== CHANNEL_LIVE);
              let claimed = liveFree ? await this.jobs.claim(w.id, { types: [CHANNEL_LIVE], ownerId: w.identity.ownerId }) : undefined;
              if (claimed) w.live.add(claimed.job.id);
              else if (w.running.size < w.concurrency && others.length) {
                claimed = await this.jobs.claim(w.id, { types: others, ownerId: w.identity.ownerId });
                if (claimed) w.running.add(claimed.job.id);
              }
              if (!claimed) continue;
              const job: JobAssignment = {
                id: claimed.job.id,
                projectId: claimed.job.projectId,
                type: claimed.job.type,
                input: claimed.job.input,
                attempt: claimed.job.attempts,
                maxAttempts: claimed.job.maxAttempts,
                leaseMs: this.jobs.config.leaseMs,
                urls: claimed.urls
              };
              w.socket.emit('job:run', job);
              handed = true;
            }
          }
        } while (this.pumpAgain);
      } catch (err) {
        this.logger.error({ err }, 'handing out jobs failed');
      } finally {
        this.pumping = false;
      }
    })();
  }

  list(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => ({
      id: w.id,
      name: w.name,
      capabilities: w.capabilities,
      concurrency: w.concurrency,
      running: w.running.size + w.live.size,
      version: w.version,
      scope: w.identity.ownerId === null ? 'operator' : 'user',
      connectedAt: w.connectedAt
    }));
  }


  close(): void {
    clearInterval(this.timer);
    for (const timer of this.gone.values()) clearTimeout(timer);
    this.gone.clear();
    this.stopListening();
    for (const w of this.workers.values()) w.socket.disconnect(true);
    this.workers.clear();
  }
}
