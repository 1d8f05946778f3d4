import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TAKEOVER_APP } from '$lib/takeover';
import type { Logger } from '../log';

const NGINX = '/usr/sbin/nginx';
const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const INSTALL_HINT = 'install the Debian packages nginx and libnginx-mod-rtmp (scripts/setup.sh does), then restart airstudio';

export interface IngestOptions {
  /** 0: live takeover is off. */
  port: number;
  host: string;
  /** Where the config, pid and log go (DATA_DIR/takeover). */
  dir: string;
}

/** The nginx.conf of the ingest: one RTMP application whose publishers are checked by our web process. */
export function ingestConfig(o: { dir: string; host: string; port: number; callbackBase: string }): string {
  return `load_module ${RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/nginx-error.log warn;
events { worker_connections 256; }
rtmp {
  server {
    listen ${o.host}:${o.port};
    chunk_size 4096;
    application ${TAKEOVER_APP} {
      live on;
      record off;
      # The stream name is the secret key: the web process accepts or refuses each publisher.
      on_publish ${o.callbackBase}/api/takeover/rtmp/publish;
      on_publish_done ${o.callbackBase}/api/takeover/rtmp/publish-done;
      notify_method post;
      drop_idle_publisher 10s;
    }
  }
}
`;
}

/**
 * Debian's nginx with the RTMP module, run as a child of the web process: written config in DATA_DIR, restarted with
 * backoff when it exits. Chosen over an npm RTMP server because it is packaged, maintained with Debian's security
 * updates, and is what OBS users already know works.
 */
export class IngestServer {
  private proc: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Why the ingest is not running, or null when it is. */
  message: string | null = 'The RTMP ingest is not running yet (`npm start` runs it; `npm run dev` does not).';

  constructor(
    private readonly options: IngestOptions,
    private readonly logger: Logger
  ) {
    if (options.port === 0) this.message = 'Live takeover is off on this server (INGEST_RTMP_PORT=0).';
    else if (!fs.existsSync(NGINX) || !fs.existsSync(RTMP_MODULE)) this.message = `Live takeover needs an RTMP ingest: ${INSTALL_HINT}.`;
  }

  get enabled(): boolean {
    return this.options.port !== 0 && fs.existsSync(NGINX) && fs.existsSync(RTMP_MODULE);
  }

  get available(): boolean {
    return this.proc !== null && this.message === null;
  }

  get port(): number {
    return this.options.port;
  }

  /** Starts nginx; `webPort` is where its publish callbacks reach us (loopback). */
  start(webPort: number): void {
    if (!this.enabled) {
      this.logger.warn({ reason: this.message }, 'live takeover ingest not started');
      return;
    }
    const dir = this.options.dir;
    fs.mkdirSync(dir, { recursive: true });
    this.killLeftover(path.join(dir, 'nginx.pid'));
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, ingestConfig({ dir, host: this.options.host, port: this.options.port, callbackBase: `http://127.0.0.1:${webPort}` }));
    this.spawn(conf);
  }

  /** A previous web process killed with SIGKILL leaves its nginx holding the port: end that one first. */
  private killLeftover(pidFile: string): void {
    try {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      if (pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.options.dir)) process.kill(pid, 'SIGKILL');
    } catch {
      // No pid file, or that process is gone.
    }
  }

  private spawn(conf: string): void {
    const dir = this.options.dir;
    const p = spawn(NGINX, ['-c', conf, '-p', dir, '-e', path.join(dir, 'nginx-error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = p;
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const startedAt = Date.now();
    // nginx reports a bad listen (port taken) and exits at once; a second of life means it is serving.
    const ok = setTimeout(() => {
      if (this.proc === p) {
        this.message = null;
        this.restarts = 0;
        this.logger.info({ port: this.options.port }, 'live takeover ingest (nginx-rtmp) listening');
      }
    }, 1000);
    p.on('error', (e) => (stderr += e.message));
    p.on('exit', (code, signal) => {
      clearTimeout(ok);
      if (this.proc === p) this.proc = null;
      if (this.stopping) return;
      const log = fs.existsSync(path.join(dir, 'nginx-error.log')) ? fs.readFileSync(path.join(dir, 'nginx-error.log'), 'utf8').trim().split('\n').slice(-2).join(' ') : '';
      this.message = `The RTMP ingest (nginx) stopped (${code ?? signal}): ${(stderr.trim() || log).slice(-300)}. Retrying.`;
      this.logger.error({ code, signal, stderr: stderr.slice(-500), ranMs: Date.now() - startedAt }, 'live takeover ingest exited');
      const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
      this.timer = setTimeout(() => this.spawn(conf), delay);
      this.timer.unref();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }
}
