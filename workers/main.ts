import os from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { availableHandlers } from './handlers';
import { WorkerClient } from './worker-client';

const USAGE = `Usage: npm run worker -- --server URL --token TOKEN [--name NAME] [--concurrency N] [--only type,type]
  --server       the studio's URL, or its web processes' URLs separated by commas: the worker uses one and moves to
                 the next when it cannot reach it or loses it, keeping its jobs (env AIRSTUDIO_SERVER)
  --token        a worker token from settings or \`npm run worker-token\` (env AIRSTUDIO_WORKER_TOKEN)
  --concurrency  jobs at once (default 1; env AIRSTUDIO_WORKER_CONCURRENCY)
  --only         take only these job types (default: every type this machine can run)`;

/** A worker process: `npm run worker -- --server URL --token T` here or on another machine. */
async function main() {
  const { values } = parseArgs({
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      concurrency: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean' }
    }
  });
  if (values.help) return console.log(USAGE);
  const server = values.server ?? process.env.AIRSTUDIO_SERVER;
  const token = values.token ?? process.env.AIRSTUDIO_WORKER_TOKEN;
  if (!server || !token) {
    console.error(`The worker needs --server and --token.\n${USAGE}`);
    process.exit(2);
  }
  const concurrency = Number(values.concurrency ?? process.env.AIRSTUDIO_WORKER_CONCURRENCY ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    console.error('--concurrency takes a whole number from 1 to 64.');
    process.exit(2);
  }
  // JSON lines like the web process's, so `npm start` prints one kind of log.
  const logger = pino({ level: process.env.LOG_LEVEL || 'info', base: { app: 'airstudio-worker', pid: process.pid } });
  let handlers = availableHandlers((m) => logger.warn(m));
  if (values.only) {
    const only = new Set(values.only.split(',').map((s) => s.trim()));
    handlers = Object.fromEntries(Object.entries(handlers).filter(([t]) => only.has(t)));
    if (!Object.keys(handlers).length) {
      console.error(`None of --only ${values.only} can run here.`);
      process.exit(2);
    }
  }
  const name = values.name ?? `${os.hostname()}-${process.pid}`;
  const client = new WorkerClient({
    server,
    token,
    name,
    concurrency,
    version: '0.1.0',
    handlers,
    log: (level, msg, extra) => logger[level]({ worker: name, ...extra }, msg),
    // Exit code 3, as for a refusal at start: the supervisor does not restart a worker whose token is refused.
    onRefused: () => void client.stop().then(() => process.exit(3))
  });
  const stop = () => void client.stop().then(() => process.exit(0));
  // Started by the web process's supervisor: do not outlive it.
  if (process.send) process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await client.start();
  } catch (e) {
    console.error(`The server refused this worker: ${(e as Error).message}`);
    // Exit code 3: the supervisor does not restart a worker whose token is refused.
    process.exit(3);
  }
}

void main();
