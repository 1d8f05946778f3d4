import { createApp, setApp } from './app';
import { loadConfig } from './config';
import { createLogger } from './log';
import { createStudioServer, type RequestHandler } from './studio-server';
import { WorkerSupervisor } from './worker/supervisor';

const PROTOCOL_HEADER = 'x-airstudio-protocol';

/** The web process: `node build/server.js` (what `npm start` runs after setting up). */
async function main() {
  // An empty ORIGIN (e.g. `ORIGIN=` in a compose file) means unset, for our config and for adapter-node alike.
  if (process.env.ORIGIN === '') delete process.env.ORIGIN;
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const appPromise = createApp(config, logger);
  setApp(appPromise);
  const app = await appPromise;
  // Without ORIGIN, adapter-node assumes https, which fails form actions' origin check and marks cookies Secure
  // on a plain-http install; this server speaks plain http, so it tells adapter-node so through a header it sets.
  const protocolFromUs = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
  if (protocolFromUs) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  // Built by SvelteKit next to this file; imported at run time so the two bundles stay separate.
  const { handler } = (await import(new URL('./handler.js', import.meta.url).href)) as { handler: RequestHandler };
  const studio = createStudioServer(
    app,
    protocolFromUs
      ? (req, res, next) => {
          req.headers[PROTOCOL_HEADER] = 'http';
          handler(req, res, next);
        }
      : handler
  );

  await new Promise<void>((resolve, reject) => {
    studio.http.once('error', reject);
    studio.http.listen(config.port, config.host, resolve);
  });
  const address = studio.http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, database: app.db.describe, dataDir: config.dataDir }, `airstudio listening on http://localhost:${port}`);
  app.takeover.ingest.start(port);

  // Local workers dial in over loopback like any remote worker would.
  let supervisor: WorkerSupervisor | null = null;
  if (config.localWorkers.count > 0) {
    supervisor = new WorkerSupervisor(
      {
        script: new URL('./worker.js', import.meta.url).pathname,
        server: `http://127.0.0.1:${port}`,
        token: app.workerTokens.localToken,
        count: config.localWorkers.count,
        concurrency: config.localWorkers.concurrency
      },
      logger
    );
    supervisor.start();
  }

  // One conditional DELETE: any number of web processes may run it.
  const purge = setInterval(() => void app.sessions.purgeExpired().catch(() => {}), 3600_000);
  purge.unref();
  // Files of deleted projects and of jobs that failed after delivering results: a sweep a minute after start, then every
  // 6 h, by one web process at a time (they share the store; the lease outlasts a long sweep).
  const collect = () =>
    void app.locks.run('asset-gc', 3600_000, () => app.assets.collectGarbage()).catch((err) => logger.error({ err }, 'media garbage collection failed'));
  setTimeout(collect, 60_000).unref();
  setInterval(collect, 6 * 3600_000).unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: persisting documents');
    const force = setTimeout(() => {
      logger.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await supervisor?.stop();
      await app.takeover.ingest.stop();
      await studio.close();
      await app.db.close();
      await app.redis?.close();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (e) {
      logger.error({ err: e }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  console.error(`airstudio could not start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
