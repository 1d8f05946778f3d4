import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** AIRSTUDIO_BUILD_DIR lets a test run use a copy of the build while another build is being made. */
export const SERVER_ENTRY = path.join(process.env.AIRSTUDIO_BUILD_DIR ?? path.join(ROOT, 'build'), 'server.js');

export interface ServerOptions {
  dataDir?: string;
  databaseUrl?: string;
  port?: number;
  env?: Record<string, string>;
}

export interface RunningServer {
  url: string;
  wsUrl: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM (graceful: documents are persisted) and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to flush anything. */
  kill9(): Promise<void>;
  /** Starts the same server again on the same port, data folder and database. */
  restart(): Promise<RunningServer>;
  /** Stops the process (SIGTERM, SIGKILL if it hangs) and deletes the data folder: for afterAll. */
  destroy(): Promise<void>;
}

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });
}

/**
 * A free port below Linux's ephemeral range (32768+): a restart reuses the port after a kill, and a port from the
 * ephemeral range may meanwhile become the source port of any outgoing connection on the machine.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await tryListen(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== null) return port;
  }
  const port = await tryListen(0);
  if (port === null) throw new Error('no free port');
  return port;
}

/** Runs the built web process (`node build/server.js`, as `npm start` does) and waits until /health answers. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error('build/server.js is missing: run `npm run build` (npm test does).');
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-data-'));
  const port = options.port ?? (await freePort());
  let out = '';
  const proc = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: options.databaseUrl ?? '',
      LOG_LEVEL: 'warn',
      ORIGIN: '',
      // Suites that need workers ask for them; the rest start faster without.
      LOCAL_WORKERS: '0',
      // Live takeover's RTMP ingest binds a fixed port: suites that test it pass a free one.
      INGEST_RTMP_PORT: '0',
      ...options.env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not answer /health within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const running: RunningServer = {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    dataDir,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
    restart: () => startServer({ ...options, dataDir, port }),
    async destroy() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const hung = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(hung);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  return running;
}
