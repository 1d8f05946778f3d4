import http from 'node:http';
import type { App } from './app';
import { refuseUpgrade } from './http/upgrade';
import { createSocketServer, type StudioIo } from './realtime/socket-server';
import { YjsServer } from './yjs/yjs-server';
import { attachChat } from './chat/chat-socket';
import { AssetFiles } from './asset/asset-files';
import { maxUploadBytes } from './asset/media-inspect';
import { UploadServer } from './asset/upload-server';
import { WorkerFiles } from './worker/worker-files';
import { WorkerGateway } from './worker/worker-gateway';
import { LiveHttp } from './live/live-http';
import { TakeoverHttp } from './takeover/takeover-http';
import { attachTakeover } from './takeover/takeover-socket';
import { attachLive } from './live/live-socket';
import { attachGenerator } from './generator/generator-socket';
import { attachRequests } from './request/request-socket';
import { PodcastHttp } from './podcast/podcast-http';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

export interface StudioServer {
  http: http.Server;
  io: StudioIo;
  yjs: YjsServer;
  workers: WorkerGateway;
  /** Closes connections and persists every document; the App's database stays open. */
  close(): Promise<void>;
}

/** One HTTP server, one port: the SvelteKit handler, the Yjs endpoint and socket.io. */
export function createStudioServer(app: App, handler: RequestHandler): StudioServer {
  const media = mediaRoutes(app);
  const server = http.createServer((req, res) => {
    const pathname = req.url?.split('?')[0];
    if (req.method === 'GET' && (pathname === '/metrics' || pathname === '/api/metrics')) return void app.metrics.serve(req, res, app.config.metricsToken);
    if (media(req, res)) return;
    handler(req, res, () => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ error: { code: 'not_found', message: `Nothing at ${req.url}` } }));
    });
  });
  return attachRealtime(app, server);
}

/**
 * Routes that stream bodies (uploads, worker results, file downloads with Range) are served here, before
 * SvelteKit, which would buffer them and cap them at BODY_SIZE_LIMIT.
 */
export function mediaRoutes(app: App): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const uploads = new UploadServer(app.config.dataDir, app.storage, app.auth, app.users, app.assets, {
    maxUploadBytes: maxUploadBytes(app.mediaLimits),
    multipartMaxBytes: app.config.media.multipartMaxBytes
  }, app.logger, app.config.origin);
  const files = new AssetFiles(app.assets, app.storage, app.auth, app.signer, app.logger);
  const workerFiles = new WorkerFiles(app.workerTokens, app.jobRepository, app.storage, maxUploadBytes(app.mediaLimits), app.logger);
  const live = new LiveHttp(app.live, app.auth, app.logger);
  const podcasts = new PodcastHttp(app.podcasts, app.auth, app.logger);
  const takeover = new TakeoverHttp(app.takeover, app.live, app.logger);
  return (req, res) => {
    // Before workerFiles, which answers every other /api/worker/ path.
    for (const route of [uploads, files, live, takeover, podcasts, workerFiles]) {
      if (route.handles(req)) {
        void route.handle(req, res);
        return true;
      }
    }
    return false;
  };
}

/** Attaches Yjs and socket.io to an existing server (ours, or Vite's in development). */
export function attachRealtime(app: App, server: http.Server): StudioServer {
  const yjs = new YjsServer(app.docs, app.auth, app.projects, app.logger, app.metrics, {
    maxMessageBytes: app.config.yjs.maxMessageBytes,
    origin: app.config.origin
  });
  const io = createSocketServer(server, app, app.config.origin);
  attachChat(io, app);
  attachLive(io, app);
  attachGenerator(io, app);
  attachRequests(io, app);
  const closeTakeover = attachTakeover(io, app);
  const workers = new WorkerGateway(io.of('/workers') as never, app.jobs, app.workerTokens, app.logger, app.config.jobs.pollMs, app.config.jobs.liveReleaseGraceMs);
  app.connectedWorkers = () => workers.list();
  server.on('upgrade', (req, socket, head) => {
    if (yjs.handleUpgrade(req, socket, head)) return;
    const path = (req.url ?? '').split('?')[0];
    if (path.startsWith('/socket.io')) return; // engine.io's own listener takes it.
    if (req.headers['sec-websocket-protocol'] === 'vite-hmr' || path.startsWith('/@vite') || path === '/') return;
    refuseUpgrade(socket, 404, 'not_found', `No WebSocket endpoint at ${path}.`);
  });
  app.realtimeStats = () => ({ yjsConnections: yjs.connectionCount, loadedDocuments: app.docs.loadedCount, socketClients: io.engine.clientsCount });

  return {
    http: server,
    io,
    yjs,
    workers,
    async close() {
      workers.close();
      await closeTakeover();
      await yjs.shutdown();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        server.closeAllConnections?.();
      });
    }
  };
}
