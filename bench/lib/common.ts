// Shared pieces of the benchmarks: the server under test, statistics, /proc readings, results on disk.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../tests/helpers/server';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RESULTS_DIR = path.join(ROOT, 'bench/results');

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across this process's threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Stats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function stats(samples: ArrayLike<number>): Stats {
  const a = Float64Array.from(samples).sort();
  const n = a.length;
  if (n === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const pick = (p: number) => a[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i];
  return { count: n, min: a[0], mean: sum / n, p50: pick(50), p95: pick(95), p99: pick(99), max: a[n - 1] };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function roundStats(s: Stats, digits = 2): Stats {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'count' ? v : round(v, digits)])) as unknown as Stats;
}

export function fmtMs(x: number): string {
  return Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)} ms` : 'n/a';
}

export function fmtBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** VmRSS and VmHWM of a process, in bytes, from /proc/<pid>/status. */
export function procMemory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / clockTicksPerSecond();
}

let clkTck: number | undefined;
function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface BenchServer extends Omit<RunningServer, 'restart'> {
  pid: number;
  /** Starts the same server again (same port, data folder and database): a cold process. */
  restart(): Promise<BenchServer>;
}

const running = new Set<RunningServer>();

/**
 * The built web process (`node build/server.js`) on 127.0.0.1 with a temp data folder and SQLite, as a separate
 * process, so its memory and CPU are its own. Killed when the benchmark exits, however it exits.
 */
export async function startBenchServer(options: ServerOptions = {}): Promise<BenchServer> {
  return track(await startServer({ ...options, env: { LOG_LEVEL: 'warn', ...options.env } }));
}

function track(s: RunningServer): BenchServer {
  running.add(s);
  s.proc.once('exit', () => running.delete(s));
  const restart = s.restart;
  return Object.assign(s, { pid: s.proc.pid!, restart: async () => track(await restart()) });
}

function killServers() {
  for (const s of running) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
}
process.on('exit', killServers);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killServers();
    process.exit(130);
  });
}

/** Ends the benchmark with an error when it runs longer than `ms`: every loop is bounded in time as well. */
export function deadline(name: string, ms: number): void {
  setTimeout(() => {
    console.error(`${name}: gave up after ${Math.round(ms / 1000)} s`);
    process.exit(2);
  }, ms).unref();
}

export async function realtimeStats(server: { url: string }): Promise<{ yjsConnections: number; loadedDocuments: number; socketClients: number }> {
  const r = await fetch(`${server.url}/health`);
  return ((await r.json()) as { realtime: { yjsConnections: number; loadedDocuments: number; socketClients: number } }).realtime;
}

/** Polls /health until `check` holds, or throws after `timeoutMs`. */
export async function waitForRealtime(server: { url: string }, check: (r: Awaited<ReturnType<typeof realtimeStats>>) => boolean, what: string, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await realtimeStats(server);
    if (check(r)) return r;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(r)})`);
    await sleep(50);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    })
  );
  return out;
}

export function machine() {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    /* not a checkout */
  }
  // Other work on the machine skews latencies: the load average says how busy it was.
  const loadAverage = os.loadavg().map((x) => Math.round(x * 100) / 100);
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryBytes: os.totalmem(), node: process.version, commit, srcModified: dirty, loadAverage };
}

/** One line of the summary table: what the target says and what was measured. */
export interface TargetRow {
  metric: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  startedAt: string;
  durationMs: number;
  machine: ReturnType<typeof machine>;
  setup: string;
  targets: TargetRow[];
  details: unknown;
}

export function writeResult(result: BenchResult): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.name}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function printTargets(rows: TargetRow[]): void {
  const w0 = Math.max(6, ...rows.map((r) => r.metric.length));
  const w1 = Math.max(6, ...rows.map((r) => r.target.length));
  const w2 = Math.max(8, ...rows.map((r) => r.measured.length));
  const line = (a: string, b: string, c: string, d: string) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padEnd(w2)}  ${d}`;
  console.log(line('metric', 'target', 'measured', 'met'));
  for (const r of rows) console.log(line(r.metric, r.target, r.measured, r.met === null ? '-' : r.met ? 'yes' : 'NO'));
}
