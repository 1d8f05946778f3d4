import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { JobJson } from '$lib/job';
import { api, createTeam, type Team } from './api';
import { createTestDatabase, type TestDatabase } from './db';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from './redis';
import { startS3rver, type RunningS3 } from './s3rver';
import { freePort, SERVER_ENTRY, startServer, type RunningServer } from './server';
import { waitFor } from './yclient';

const WORKER_ENTRY = path.join(path.dirname(SERVER_ENTRY), 'worker.js');

export interface ClusterWorker {
  name: string;
  proc: ChildProcess;
  /** The worker's log so far (pino JSON lines). */
  output(): string;
  /** Ids of the jobs this worker process started, one per attempt it ran, from its own log. */
  attempts(): { jobId: string; attempt: number }[];
}

export interface Balancer {
  url: string;
  wsUrl: string;
  /** Which backend's port each accepted connection went to, in order. */
  routed: number[];
  close(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * `local` (default): media in the DATA_DIR every process shares, as processes on one box (or an NFS mount) would.
   * `s3`: media in an s3rver bucket. Either way the live output's HLS and recordings stay in the shared DATA_DIR.
   */
  storage?: 'local' | 's3';
}

/**
 * Several built web processes (`node build/server.js`) working as one, as a scaled-out install runs them: one fresh
 * PostgreSQL database, one Redis prefix, one data folder, one SIGNING_SECRET (a signed URL made by one is good on the
 * others), and worker processes (`node build/worker.js`) dialling them; a team and a project made through the first.
 */
export interface Cluster {
  /** The web processes started so far, in order (stopped ones stay listed until a test replaces them). */
  servers: RunningServer[];
  database: TestDatabase;
  redisPrefix: string;
  dataDir: string;
  s3: RunningS3 | null;
  /** Owner, editor, viewer and outsider of one project. */
  team: Team;
  /** A worker token of the project's owner. */
  workerToken: string;
  workers: ClusterWorker[];
  /** One more web process on the same database, Redis prefix, secret and storage (`env` on top of the cluster's). */
  start(env?: Record<string, string>): Promise<RunningServer>;
  /** Starts a worker process that dials `servers` (URLs) in that order. */
  spawnWorker(name: string, servers: string[], args?: string[]): ClusterWorker;
  /** A TCP load balancer on loopback: each new connection goes to the first of `backends` that accepts it. */
  balancer(backends: RunningServer[]): Promise<Balancer>;
  /** SQL on the shared database, to read what the API does not show (lease owners, attempts). */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /** Workers each web process lists in /health (those connected to it). */
  workersOn(server: RunningServer): Promise<{ id: string; name: string; running: number }[]>;
  enqueue(server: RunningServer, body: object): Promise<JobJson>;
  /** Stops everything (SIGTERM, SIGKILL if it hangs) and drops the database, the Redis keys and the folders. */
  destroy(): Promise<void>;
}

export async function startCluster(count = 2, env: Record<string, string> = {}, options: ClusterOptions = {}): Promise<Cluster> {
  const database = await createTestDatabase('postgres');
  const redisPrefix = testRedisPrefix('cluster');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-cluster-'));
  const s3 = options.storage === 's3' ? await startS3rver() : null;
  const shared: Record<string, string> = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    LOCAL_WORKERS: '0',
    ...(s3?.env ?? {}),
    ...env
  };
  const servers: RunningServer[] = [];
  const workers: ClusterWorker[] = [];
  const balancers: Balancer[] = [];
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });

  const start = async (more: Record<string, string> = {}) => {
    const server = await startServer({ dataDir, databaseUrl: database.url, env: { ...shared, ...more } });
    servers.push(server);
    return server;
  };

  async function destroy() {
    for (const b of balancers) await b.close();
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    // Stopped, not destroyed: RunningServer.destroy would delete the data folder the others still use.
    await Promise.all(servers.map((s) => stopHard(s)));
    await pool.end();
    await s3?.close();
    await database.drop();
    await dropRedisPrefix(redisPrefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  let team: Team;
  let workerToken: string;
  try {
    // The first one alone applies the migrations; the others start on a migrated database.
    await start();
    await Promise.all(Array.from({ length: count - 1 }, () => start()));
    team = await createTeam(servers[0], 'Cluster');
    const token = await api(servers[0], 'POST', '/api/worker-tokens', { token: team.owner.token, body: { name: 'cluster box' } });
    if (token.status !== 201) throw new Error(`worker token: ${token.status} ${JSON.stringify(token.body)}`);
    workerToken = token.body.token;
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    servers,
    database,
    redisPrefix,
    dataDir,
    s3,
    team,
    workerToken,
    workers,
    start,
    spawnWorker(name, urls, args = []) {
      let out = '';
      const proc = spawn(process.execPath, [WORKER_ENTRY, '--server', urls.join(','), '--name', name, ...args], {
        env: { ...process.env, AIRSTUDIO_WORKER_TOKEN: workerToken, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe']
      });
      proc.stdout!.on('data', (d) => (out += d));
      proc.stderr!.on('data', (d) => (out += d));
      const w: ClusterWorker = {
        name,
        proc,
        output: () => out,
        attempts: () => [...out.matchAll(/job (\w+) \([\w.]+\) attempt (\d+)\//g)].map((m) => ({ jobId: m[1], attempt: Number(m[2]) }))
      };
      workers.push(w);
      return w;
    },
    async balancer(backends) {
      const b = await startBalancer(backends.map((s) => s.port));
      balancers.push(b);
      return b;
    },
    async sql(text, values = []) {
      return (await pool.query(text, values)).rows;
    },
    async workersOn(server) {
      return (await api(server, 'GET', '/health')).body.workers.list;
    },
    async enqueue(server, body) {
      const r = await api(server, 'POST', `/api/projects/${team.projectId}/jobs`, { token: team.editor.token, body });
      if (r.status !== 201) throw new Error(`enqueue: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as JobJson;
    },
    destroy
  };
}

/** Waits until every named worker is connected to some web process of the cluster (a worker loads its handlers first). */
export async function waitForWorkers(cluster: Cluster, names: string[], timeoutMs = 90_000): Promise<void> {
  try {
    await waitFor(
      async () => {
        const listed = new Set<string>();
        for (const s of cluster.servers) {
          if (s.proc.exitCode !== null || s.proc.signalCode !== null) continue;
          for (const w of await cluster.workersOn(s)) listed.add(w.name);
        }
        return names.every((n) => listed.has(n));
      },
      `workers ${names.join(', ')} to connect`,
      timeoutMs
    );
  } catch (e) {
    const logs = cluster.workers.map((w) => `${w.name}: ${w.output().slice(-1500)}`).join('\n');
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}

/** SIGTERM, then SIGKILL after 15 s. */
async function stopHard(server: RunningServer): Promise<void> {
  const hung = setTimeout(() => void server.kill9(), 15_000);
  await server.stop();
  clearTimeout(hung);
}

/** A TCP proxy that sends each connection to the first backend port that accepts it, as a load balancer's failover does. */
async function startBalancer(ports: number[]): Promise<Balancer> {
  const routed: number[] = [];
  const open = new Set<net.Socket>();
  const dial = (i: number, client: net.Socket) => {
    if (i >= ports.length || client.destroyed) return void client.destroy();
    const upstream = net.connect(ports[i], '127.0.0.1');
    let connected = false;
    // Refused: that backend is down, try the next; failed later: the client's connection drops and it reconnects.
    upstream.on('error', () => (connected ? client.destroy() : dial(i + 1, client)));
    upstream.once('connect', () => {
      connected = true;
      routed.push(ports[i]);
      open.add(upstream);
      upstream.once('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    dial(0, client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      })
  };
}
