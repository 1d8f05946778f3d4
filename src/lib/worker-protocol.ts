/**
 * The socket.io protocol between the web process and workers, namespace `/workers`.
 * A worker connects with `auth: WorkerHello`; the server pushes `job:run` while the worker has free slots.
 */
export const WORKER_PROTOCOL_VERSION = 1;

export interface WorkerHello {
  token: string;
  name: string;
  /** Job types this worker runs, e.g. `media.process`. */
  capabilities: string[];
  concurrency: number;
  version: string;
  protocol: number;
  /** Random per worker process: a worker that reconnects after a blip keeps its leases. */
  instanceId: string;
}

export interface WorkerInfo {
  id: string;
  name: string;
  capabilities: string[];
  concurrency: number;
  running: number;
  version: string;
  /** 'operator' (every project) or 'user' (projects its owner owns). */
  scope: 'operator' | 'user';
  connectedAt: number;
}

export interface JobAssignment {
  id: string;
  projectId: string;
  type: string;
  input: unknown;
  attempt: number;
  maxAttempts: number;
  /** Renew the lease (heartbeat) well within this. */
  leaseMs: number;
  /** Signed, expiring URLs the job needs (e.g. `source`), relative to the server URL. */
  urls: Record<string, string>;
}

export type WorkerAck<T = object> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

export interface WorkerFileRef {
  /** The name the worker gave it in PUT /api/worker/jobs/:id/files/:name */
  name: string;
  sha256: string;
  bytes: number;
  mime: string;
  meta?: Record<string, unknown>;
}

export interface ServerToWorkerEvents {
  'job:run': (job: JobAssignment) => void;
  /** Stop this job now: it was canceled, or its lease went to another worker. */
  'job:cancel': (e: { jobId: string; reason: string }) => void;
}

export interface WorkerToServerEvents {
  'job:progress': (e: { jobId: string; progress: number; message?: string }) => void;
  /** Renews the leases of the jobs listed; the answer lists those the worker must stop (canceled or lost). */
  'job:heartbeat': (e: { jobIds: string[] }, ack: (r: WorkerAck<{ stop: string[] }>) => void) => void;
  'job:complete': (e: { jobId: string; result: unknown }, ack: (r: WorkerAck) => void) => void;
  /** `retryable: false` fails the job at once (bad input); otherwise it is retried with backoff. */
  'job:fail': (e: { jobId: string; error: string; retryable?: boolean }, ack: (r: WorkerAck) => void) => void;
}
