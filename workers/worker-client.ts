import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { io, type Socket } from 'socket.io-client';
import {
  WORKER_PROTOCOL_VERSION,
  type JobAssignment,
  type ServerToWorkerEvents,
  type WorkerAck,
  type WorkerFileRef,
  type WorkerHello,
  type WorkerToServerEvents
} from '../src/lib/worker-protocol';

export interface JobContext {
  job: JobAssignment;
  signal: AbortSignal;
  /** A scratch folder for this attempt, removed afterwards. */
  workDir: string;
  /** Reported to everyone watching the job; sent at most a few times a second. */
  progress(fraction: number, message?: string): void;
  /** Fetches one of the job's signed URLs into a file. */
  download(urlKey: string, dest: string): Promise<void>;
  /** Sends a result file to the server's store; returns its reference for the result. */
  upload(name: string, file: string, mime: string, meta?: Record<string, unknown>): Promise<WorkerFileRef>;
  /** A request to the server as this worker (token and instance headers), e.g. the live job's lease-checked calls. */
  request?(pathname: string, init?: RequestInit): Promise<Response>;
  /** The server's base URL (for tools such as ffmpeg that fetch signed URLs themselves). */
  serverUrl?: string;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

/** A failure that another attempt cannot fix (bad input): the job fails at once. */
export class PermanentJobError extends Error {}

export interface WorkerOptions {
  /** The web process's URL, or several (one per web process): the worker uses one and moves to the next when it fails. */
  server: string | string[];
  token: string;
  name: string;
  concurrency: number;
  version: string;
  handlers: Record<string, JobHandler>;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: object) => void;
  /** A server refused this worker after it had started (token revoked, protocol changed): it stops trying. */
  onRefused?: (message: string) => void;
}

type WorkerSocket = Socket<ServerToWorkerEvents, WorkerToServerEvents>;

/** Dials in to the web process over socket.io, runs the jobs it is given, and keeps their leases alive. */
export class WorkerClient {
  readonly instanceId = randomBytes(9).toString('base64url');
  private socket: WorkerSocket | undefined;
  private readonly running = new Map<string, AbortController>();
  /** Each running job's run, to wait for when the server hands the same job out again. */
  private readonly runs = new Map<string, Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private leaseMs = 30_000;
  private readonly log: NonNullable<WorkerOptions['log']>;
  private readonly servers: string[];
  /** The index in `servers` of the one dialled now. */
  private current = 0;
  private stopped = false;
  private redial: NodeJS.Timeout | undefined;

  constructor(private readonly o: WorkerOptions) {
    this.log = o.log ?? ((level, msg, extra) => console[level === 'info' ? 'log' : level](`[worker ${o.name}] ${msg}`, extra ?? ''));
    this.servers = (Array.isArray(o.server) ? o.server : o.server.split(',')).map((s) => s.trim()).filter(Boolean);
    if (this.servers.length === 0) throw new Error('The worker needs a server URL.');
  }

  /** The web process this worker talks to now: results, files and lease-checked calls go there. */
  get server(): string {
    return this.servers[this.current];
  }

  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Resolves once connected; rejects on an authentication or protocol refusal (which retrying cannot fix). A server
   * that cannot be reached or goes away is left for the next in the list (or the same one, alone): the worker keeps its
   * instance id, so its leases stay its own and its running jobs report to the server it reaches.
   */
  start(): Promise<void> {
    const hello: WorkerHello = {
      token: this.o.token,
      name: this.o.name,
      capabilities: Object.keys(this.o.handlers),
      concurrency: this.o.concurrency,
      version: this.o.version,
      protocol: WORKER_PROTOCOL_VERSION,
      instanceId: this.instanceId
    };
    const socket: WorkerSocket = io(new URL('/workers', this.server).href, {
      auth: hello,
      // WebSocket only: a worker is no browser behind a proxy, and long-polling would need sticky sessions across web processes.
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000
    });
    this.socket = socket;
    // socket.io dials again on its own, always the same URL: each attempt takes the next server of the list instead.
    socket.io.on('reconnect_attempt', () => this.useNextServer(socket));
    socket.on('job:run', (job) => void this.runOnce(job));
    socket.on('job:cancel', ({ jobId, reason }) => {
      this.log('info', `job ${jobId} stopped by the server: ${reason}`);
      this.running.get(jobId)?.abort(new Error(reason));
    });
    socket.on('connect', () => {
      this.log('info', `connected to ${this.server} as ${this.o.name} (${hello.capabilities.join(', ')})`);
      // At once: the server learns which jobs still run here, and their leases are renewed through it.
      this.lastBeat = 0;
      void this.beat();
    });
    socket.on('disconnect', (reason) => {
      if (this.stopped) return;
      this.log('warn', `lost ${this.server} (${reason}); dialling again`);
      // The server closed the socket itself (it is shutting down): socket.io would not dial again on its own.
      if (reason === 'io server disconnect') {
        this.useNextServer(socket);
        this.redial = setTimeout(() => socket.connect(), 500);
      }
    });
    this.heartbeat = setInterval(() => void this.beat(), 1000);
    let started = false;
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        started = true;
        resolve();
      });
      socket.on('connect_error', (err) => {
        const data = (err as Error & { data?: { code?: string; message?: string } }).data;
        if (data?.code && ['unauthorized', 'bad_hello', 'protocol_mismatch'].includes(data.code)) {
          const message = data.message ?? data.code;
          socket.disconnect();
          if (started) this.o.onRefused?.(message);
          else reject(new Error(message));
        } else {
          this.log('warn', `cannot reach ${this.server} (${err.message}); retrying`);
        }
      });
    });
  }

  /** Points the socket's next dial at the next server of the list. */
  private useNextServer(socket: WorkerSocket): void {
    if (this.servers.length < 2) return;
    this.current = (this.current + 1) % this.servers.length;
    (socket.io as unknown as { uri: string }).uri = new URL('/workers', this.server).href;
  }

  private lastBeat = 0;

  /** Renews leases about three times per lease period; stops jobs the server says are no longer ours. */
  private async beat(): Promise<void> {
    const socket = this.socket;
    // Idle too: the server frees the slots of jobs that ended while it was not told (canceled through another process).
    if (!socket?.connected) return;
    if (Date.now() - this.lastBeat < this.leaseMs / 3) return;
    this.lastBeat = Date.now();
    // Only the runs this beat asked about: a run of the same job handed out again meanwhile is not the one to stop.
    const asked = new Map(this.running);
    try {
      const r = (await socket.timeout(10_000).emitWithAck('job:heartbeat', { jobIds: [...asked.keys()] })) as WorkerAck<{ stop: string[] }>;
      if (!r.ok) return;
      for (const id of r.stop) {
        if (this.running.get(id) !== asked.get(id)) continue;
        this.log('info', `job ${id} stopped: the server no longer holds it for this worker`);
        asked.get(id)?.abort(new Error('the server no longer holds this job for us'));
      }
    } catch {
      this.lastBeat = 0;
    }
  }

  /**
   * A job handed out again while its old run is still going here (its lease was released while this worker's socket
   * was away, and it came back to us): the old run stops first, so one process never runs a job twice at once.
   */
  private async runOnce(job: JobAssignment): Promise<void> {
    const old = this.runs.get(job.id);
    if (old) {
      this.log('info', `job ${job.id} handed out again: stopping its old run first`);
      this.running.get(job.id)?.abort(new Error('the job was handed out again'));
    }
    const run = (old ?? Promise.resolve()).catch(() => undefined).then(() => this.run(job));
    this.runs.set(job.id, run);
    await run.catch((e) => this.log('error', `job ${job.id} could not run: ${(e as Error).message}`));
    if (this.runs.get(job.id) === run) this.runs.delete(job.id);
  }

  private async run(job: JobAssignment): Promise<void> {
    const handler = this.o.handlers[job.type];
    this.leaseMs = job.leaseMs;
    const controller = new AbortController();
    this.running.set(job.id, controller);
    this.lastBeat = 0;
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), `airstudio-job-${job.id}-`));
    let lastProgress = 0;
    const ctx: JobContext = {
      job,
      signal: controller.signal,
      workDir,
      progress: (fraction, message) => {
        const now = Date.now();
        if (now - lastProgress < 250 && fraction < 1) return;
        lastProgress = now;
        if (this.socket?.connected) this.socket.emit('job:progress', { jobId: job.id, progress: fraction, message });
      },
      download: (key, dest) => this.download(job, key, dest, controller.signal),
      upload: (name, file, mime, meta) => this.upload(job, name, file, mime, meta, controller.signal),
      request: (pathname, init = {}) =>
        fetch(new URL(pathname, this.server), { ...init, headers: { ...this.headers(), ...(init.headers as Record<string, string> | undefined) }, signal: init.signal ?? controller.signal })
    };
    // Read when used: after a move to another web process it names that one.
    Object.defineProperty(ctx, 'serverUrl', { get: () => this.server, enumerable: true });
    this.log('info', `job ${job.id} (${job.type}) attempt ${job.attempt}/${job.maxAttempts}`);
    try {
      if (!handler) throw new PermanentJobError(`This worker cannot run ${job.type} jobs.`);
      const result = await handler(ctx);
      if (controller.signal.aborted) return;
      await this.report('job:complete', { jobId: job.id, result: result ?? null });
    } catch (e) {
      if (controller.signal.aborted) return; // Canceled or taken away: the server already knows.
      const message = e instanceof Error ? e.message : String(e);
      this.log('warn', `job ${job.id} failed: ${message}`);
      await this.report('job:fail', { jobId: job.id, error: message, retryable: !(e instanceof PermanentJobError) });
    } finally {
      if (this.running.get(job.id) === controller) this.running.delete(job.id);
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  /** Tries until the server answers: if it never does, the lease expires and the job runs again elsewhere. */
  private async report(event: 'job:complete' | 'job:fail', payload: { jobId: string; result?: unknown; error?: string; retryable?: boolean }) {
    for (let i = 0; i < 5; i++) {
      try {
        // Between servers: wait for the next connection rather than send into a closed socket.
        for (let waited = 0; !this.socket?.connected && waited < 15_000 && !this.stopped; waited += 100) await new Promise((r) => setTimeout(r, 100));
        const socket = this.socket!;
        const r = (await (socket.timeout(15_000) as unknown as WorkerSocket).emitWithAck(event as 'job:complete', payload as { jobId: string; result: unknown })) as WorkerAck;
        if (!r.ok && r.error.code !== 'internal') this.log('warn', `server refused ${event} for ${payload.jobId}: ${r.error.message}`);
        if (r.ok || r.error.code !== 'internal') return;
      } catch {
        // No answer within the timeout (disconnected): try again after a pause.
      }
      await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
    }
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.o.token}`, 'x-worker-instance': this.instanceId };
  }

  private async download(job: JobAssignment, key: string, dest: string, signal: AbortSignal): Promise<void> {
    const rel = job.urls[key];
    if (!rel) throw new PermanentJobError(`The job has no ${key} URL.`);
    const res = await fetch(new URL(rel, this.server), { headers: this.headers(), signal });
    if (!res.ok || !res.body) throw new Error(`Downloading ${key} failed: HTTP ${res.status} ${await res.text().catch(() => '')}`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(dest), { signal });
  }

  private async upload(job: JobAssignment, name: string, file: string, mime: string, meta: Record<string, unknown> = {}, signal: AbortSignal): Promise<WorkerFileRef> {
    const { size } = await fs.stat(file);
    const res = await fetch(new URL(`/api/worker/jobs/${job.id}/files/${encodeURIComponent(name)}`, this.server), {
      method: 'PUT',
      headers: { ...this.headers(), 'content-type': mime, 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(file)) as unknown as BodyInit,
      duplex: 'half',
      signal
    } as RequestInit);
    const body = (await res.json().catch(() => ({}))) as { sha256?: string; bytes?: number; error?: { message: string } };
    if (!res.ok || !body.sha256) throw new Error(`Uploading ${name} failed: HTTP ${res.status} ${body.error?.message ?? ''}`);
    return { name, sha256: body.sha256, bytes: body.bytes ?? size, mime, meta };
  }

  /** Stops taking jobs; running ones are abandoned to lease expiry unless `drain` waits for them. */
  async stop(drain = false): Promise<void> {
    this.stopped = true;
    clearTimeout(this.redial);
    clearInterval(this.heartbeat);
    if (drain) while (this.running.size) await new Promise((r) => setTimeout(r, 200));
    for (const c of this.running.values()) c.abort(new Error('worker stopping'));
    this.socket?.disconnect();
  }
}
