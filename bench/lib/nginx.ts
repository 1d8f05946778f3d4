// Debian's nginx as the caching reverse proxy of docs/serving-listeners.md, run as a child process (not a daemon) with
// the document's own configuration block: only the web process's address, the listening port and the cache folder are
// replaced, so what is measured is what the document tells people to deploy.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../tests/helpers/server';

// Not common.ts: tests/api/live-caching.test.ts starts this nginx too, without the benchmarks' process handlers.
export const SERVING_LISTENERS_DOC = path.resolve(import.meta.dirname, '../../docs/serving-listeners.md');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RunningNginx {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  output(): string;
  /** With `accessLog`: one line a request, `METHOD URI STATUS UPSTREAM-ADDRESS`. */
  accessLog(): string;
  stop(): Promise<void>;
}

/** The ```nginx block of docs/serving-listeners.md with the web process at `upstream`, listening on `port`. */
export function documentedConfig(upstream: string, port: number, cacheDir: string): string {
  const doc = fs.readFileSync(SERVING_LISTENERS_DOC, 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error(`no \`\`\`nginx block in ${SERVING_LISTENERS_DOC}`);
  const swaps: Array<[RegExp, string]> = [
    [/server 127\.0\.0\.1:3000;/, `server ${upstream};`],
    [/listen 80;/, `listen 127.0.0.1:${port};`],
    [/proxy_cache_path \/var\/cache\/nginx\/airstudio-live /, `proxy_cache_path ${cacheDir} `]
  ];
  let conf = block;
  for (const [from, to] of swaps) {
    if (!from.test(conf)) throw new Error(`docs/serving-listeners.md changed: no ${from} in its nginx block to point at the benchmark`);
    conf = conf.replace(from, to);
  }
  return conf;
}

export function startNginx(upstream: string): Promise<RunningNginx> {
  return runNginx((port, cacheDir) => documentedConfig(upstream, port, cacheDir));
}

/** Debian's nginx as a child process, with `httpConfig` (given its port and cache folder) inside its http block. */
export async function runNginx(httpConfig: (port: number, cacheDir: string) => string, opts: { accessLog?: boolean } = {}): Promise<RunningNginx> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-nginx-'));
  // As root, nginx's workers drop to nobody: they must reach the prefix and write the cache and temp folders.
  fs.chmodSync(prefix, 0o755);
  for (const d of ['cache', 'tmp']) fs.mkdirSync(path.join(prefix, d), { mode: 0o777 });
  for (const d of ['cache', 'tmp']) fs.chmodSync(path.join(prefix, d), 0o777);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 8192; }
http {
  ${opts.accessLog ? `log_format upstreams '$request_method $uri $status $upstream_addr';\n  access_log ${prefix}/access.log upstreams;` : 'access_log off;'}
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
${httpConfig(port, path.join(prefix, 'cache'))}
}
`
  );
  let out = '';
  const proc = spawn('nginx', ['-c', conf, '-p', prefix, '-e', path.join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  process.on('exit', () => proc.exitCode === null && proc.kill('SIGKILL'));
  const until = Date.now() + 10_000;
  while (!(await listening(port))) {
    const log = fs.existsSync(path.join(prefix, 'error.log')) ? fs.readFileSync(path.join(prefix, 'error.log'), 'utf8') : '';
    if (proc.exitCode !== null || Date.now() > until) throw new Error(`nginx did not start (is it installed? scripts/setup.sh test installs it):\n${out}\n${log}`);
    await sleep(100);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid!,
    proc,
    output: () => out + (fs.existsSync(path.join(prefix, 'error.log')) ? fs.readFileSync(path.join(prefix, 'error.log'), 'utf8') : ''),
    accessLog: () => (fs.existsSync(path.join(prefix, 'access.log')) ? fs.readFileSync(path.join(prefix, 'access.log'), 'utf8') : ''),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGQUIT');
        await Promise.race([exited, sleep(5000)]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}
