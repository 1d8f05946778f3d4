import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { HealthReport } from '../health/health.service';

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
    new Gauge({ name: 'airstudio_workers_connected', help: 'Workers connected to this web process', registers: [this.registry], collect() { this.set(workers()); } });
    new Gauge({
      name: 'airstudio_jobs',
      help: 'Jobs waiting or running, by type and status (all web processes)',
      labelNames: ['type', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [type, d] of Object.entries(await queue().catch(() => ({}) as HealthReport['queue']))) {
          this.set({ type, status: 'queued' }, d.queued);
          this.set({ type, status: 'running' }, d.running);
        }
      }
    });
  }

  /**
   * Serves GET /metrics. With METRICS_TOKEN set, a scraper sends it as a bearer token; without it only
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
