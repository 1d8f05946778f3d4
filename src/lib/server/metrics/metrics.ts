import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client';
import { JOB_TYPE_LABELS, type JobJson } from '$lib/job';
import { CHANNEL_LIVE } from '$lib/live';
import { LISTING_RENDER_JOB } from '$lib/listing-video';
import { PHOTO_ANALYZE_JOB } from '$lib/photo-analysis';
import type { HealthReport } from '../health/health.service';
import type { DeliveryOutcome } from '../webhook/webhook.service';

/** Job types every job family lists from the start (at 0), so a dashboard sees a type before its first job. */
export const METRIC_JOB_TYPES = [...new Set([...Object.keys(JOB_TYPE_LABELS), CHANNEL_LIVE, PHOTO_ANALYZE_JOB, LISTING_RENDER_JOB])];

/** Prometheus metrics of one web process (prom-client): process defaults plus the realtime layer's own. */
export class Metrics {
  readonly registry = new Registry();
  readonly yjsUpdates = new Counter({ name: 'airstudio_yjs_updates_total', help: 'Document updates applied from clients', registers: [this.registry] });
  readonly yjsRefusedWrites = new Counter({
    name: 'airstudio_yjs_refused_writes_total',
    help: 'Document updates refused because the sender may not edit (viewers)',
    registers: [this.registry]
  });
  readonly yjsClosed = new Counter({
    name: 'airstudio_yjs_connections_closed_total',
    help: 'Yjs connections the server closed, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry]
  });

  readonly jobsFinished = new Counter({
    name: 'airstudio_jobs_finished_total',
    help: 'Jobs that reached a final state, by type and status',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry]
  });
  readonly jobsRetried = new Counter({ name: 'airstudio_jobs_retried_total', help: 'Failed attempts put back in the queue', labelNames: ['type'] as const, registers: [this.registry] });
  /** Quantiles over the last 10 minutes (a sliding window), per type: from a worker taking the job to its end. */
  readonly jobDuration = new Summary({
    name: 'airstudio_job_duration_seconds',
    help: 'Run time of finished jobs (last attempt, start to end), by type; quantiles over the last 10 minutes',
    labelNames: ['type'] as const,
    percentiles: [0.5, 0.95, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [this.registry]
  });
  readonly webhookDeliveries = new Counter({
    name: 'airstudio_webhook_deliveries_total',
    help: 'Webhook delivery attempts by target (project webhook or API request callback) and outcome (delivered, failed for good, retrying)',
    labelNames: ['target', 'outcome'] as const,
    registers: [this.registry]
  });
  private readonly finishedByType = new Map<string, { succeeded: number; failed: number }>();

  readonly chatMessages = new Counter({
    name: 'airstudio_chat_messages_total',
    help: 'Chat messages sent, by result (posted, or the refusal code)',
    labelNames: ['result'] as const,
    registers: [this.registry]
  });
  readonly chatConnections = new Counter({ name: 'airstudio_chat_connections_total', help: 'Connections to the /chat namespace', registers: [this.registry] });

  constructor(
    realtime: () => HealthReport['realtime'],
    workers: () => number = () => 0,
    queue: () => Promise<HealthReport['queue']> = async () => ({})
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'airstudio_' });
    const gauge = (name: string, help: string, read: (r: HealthReport['realtime']) => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read(realtime())); } });
    gauge('airstudio_yjs_connections', 'Open Yjs WebSocket connections', (r) => r.yjsConnections);
    gauge('airstudio_yjs_loaded_documents', 'Project documents loaded in memory', (r) => r.loadedDocuments);
    gauge('airstudio_socketio_clients', 'Connected socket.io clients', (r) => r.socketClients);
    for (const type of METRIC_JOB_TYPES) {
      for (const status of ['succeeded', 'failed', 'canceled'] as const) this.jobsFinished.inc({ type, status }, 0);
      this.jobsRetried.inc({ type }, 0);
      this.jobDuration.observe({ type }, 0);
    }
    // A summary has no "add 0": the observation above made each type's series, reset empties it again.
    this.jobDuration.reset();
    for (const target of ['project', 'callback'] as const) for (const outcome of ['delivered', 'failed', 'retrying'] as const) this.webhookDeliveries.inc({ target, outcome }, 0);
    const finished = this.finishedByType;
    new Gauge({
      name: 'airstudio_job_error_ratio',
      help: 'Share of finished jobs that failed (failed / (succeeded + failed)) since this process started, by type',
      labelNames: ['type'] as const,
      registers: [this.registry],
      collect() {
        for (const type of new Set([...METRIC_JOB_TYPES, ...finished.keys()])) {
          const f = finished.get(type);
          this.set({ type }, f && f.succeeded + f.failed > 0 ? f.failed / (f.succeeded + f.failed) : 0);
        }
      }
    });
    new Gauge({ name: 'airstudio_workers_connected', help: 'Workers connected to this web process', registers: [this.registry], collect() { this.set(workers()); } });
    new Gauge({
      name: 'airstudio_jobs',
      help: 'Jobs waiting or running, by type and status (all web processes)',
      labelNames: ['type', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const type of METRIC_JOB_TYPES) for (const status of ['queued', 'running']) this.set({ type, status }, 0);
        for (const [type, d] of Object.entries(await queue().catch(() => ({}) as HealthReport['queue']))) {
          this.set({ type, status: 'queued' }, d.queued);
          this.set({ type, status: 'running' }, d.running);
        }
      }
    });
  }

  /** Counts a job that changed state: finished ones by outcome and duration, retries. */
  jobChanged(job: JobJson, change: string): void {
    if (change === 'retrying') this.jobsRetried.inc({ type: job.type });
    if (change !== 'succeeded' && change !== 'failed' && change !== 'canceled') return;
    this.jobsFinished.inc({ type: job.type, status: change });
    if (change === 'canceled') return;
    const f = this.finishedByType.get(job.type) ?? { succeeded: 0, failed: 0 };
    f[change]++;
    this.finishedByType.set(job.type, f);
    if (job.startedAt !== null && job.completedAt !== null) this.jobDuration.observe({ type: job.type }, Math.max(0, Number(job.completedAt) - Number(job.startedAt)) / 1000);
  }

  webhookDelivered(o: DeliveryOutcome): void {
    this.webhookDeliveries.inc({ target: o.callback ? 'callback' : 'project', outcome: o.outcome });
  }

  /**
   * Serves GET /metrics (and /api/metrics). With METRICS_TOKEN set, a scraper sends it as a bearer token; without it only
   * loopback may read (metrics name internals an outsider should not see).
   */
  async serve(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
    const deny = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    };
    if (token) {
      const sent = Buffer.from(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
      const want = Buffer.from(token);
      if (sent.length !== want.length || !timingSafeEqual(sent, want)) return deny(401, 'unauthorized', 'Send METRICS_TOKEN as "Authorization: Bearer <token>".');
    } else if (!isLoopback(req.socket.remoteAddress)) {
      return deny(403, 'forbidden', 'Metrics are served to loopback only; set METRICS_TOKEN to scrape from elsewhere.');
    }
    res.writeHead(200, { 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' }).end(await this.registry.metrics());
  }
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}
