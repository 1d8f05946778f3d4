// Benchmark: job queue throughput and claim latency through 4 connected worker processes.
// Throughput: N empty jobs (system.echo) are queued while no worker is connected; then 4 `node build/worker.js`
// processes (concurrency 4 each) connect and drain them. Rate = N / (last completion − first start), from the jobs'
// own server timestamps. Claim latency: with the 4 workers idle, one job at a time is queued and awaited; the
// latency is started_at − created_at (enqueue to a worker holding it) as the server recorded them.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { JobJson } from '../src/lib/job';
import { api, createProject, signup } from '../tests/helpers/api';
import { deadline, fmtMs, machine, mapLimit, printTargets, ROOT, round, roundStats, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const N = Number(process.env.BENCH_QUEUE_JOBS ?? 2000);
const LATENCY_SAMPLES = Number(process.env.BENCH_QUEUE_LATENCY_SAMPLES ?? 200);
const WORKERS = 4;
deadline('queue', 220_000);
const started = Date.now();

const server = await startBenchServer({ env: { JOB_POLL_MS: '1000' } });
const owner = await signup(server, 'bench_queue');
const projectId = await createProject(server, owner, 'Queue bench');
const token = (await api(server, 'POST', '/api/worker-tokens', { token: owner.token, body: { name: 'bench' } })).body.token as string;

const enqueue = async (i: number) => {
  const r = await api(server, 'POST', `/api/projects/${projectId}/jobs`, { token: owner.token, body: { type: 'system.echo', input: { i } } });
  if (r.status !== 201) throw new Error(`enqueue: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as JobJson;
};
const depth = async () => {
  const q = (await api(server, 'GET', '/health')).body.queue['system.echo'] as { queued: number; running: number } | undefined;
  return q ? q.queued + q.running : 0;
};
async function allJobs(): Promise<JobJson[]> {
  const out: JobJson[] = [];
  let before: number | undefined;
  for (;;) {
    const page = (await api(server, 'GET', `/api/projects/${projectId}/jobs?limit=200${before ? `&before=${before}` : ''}`, { token: owner.token })).body.jobs as JobJson[];
    out.push(...page);
    if (page.length < 200) return out;
    before = page[page.length - 1].createdAt;
  }
}

const t0 = performance.now();
await mapLimit(Array.from({ length: N }, (_, i) => i), 8, (i) => enqueue(i));
const enqueueMs = performance.now() - t0;

const children: ChildProcess[] = [];
for (let w = 0; w < WORKERS; w++) {
  children.push(
    spawn(process.execPath, [path.join(ROOT, 'build/worker.js'), '--server', server.url, '--token', token, '--name', `bench-${w}`, '--only', 'system.echo', '--concurrency', '4'], {
      stdio: 'ignore'
    })
  );
}
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
while ((await depth()) > 0) await sleep(100);
const drained = await allJobs();
const succeeded = drained.filter((j) => j.status === 'succeeded');
const firstStart = Math.min(...succeeded.map((j) => j.startedAt!));
const lastDone = Math.max(...succeeded.map((j) => j.completedAt!));
const perSecond = succeeded.length / ((lastDone - firstStart) / 1000);

// Claim latency, one job at a time, workers idle.
const latencies: number[] = [];
const roundTrips: number[] = [];
for (let i = 0; i < LATENCY_SAMPLES; i++) {
  const job = await enqueue(N + i);
  let j = job;
  for (let tries = 0; j.status !== 'succeeded' && tries < 2000; tries++) {
    await sleep(2);
    j = (await api(server, 'GET', `/api/jobs/${job.id}`, { token: owner.token })).body;
  }
  latencies.push(j.startedAt! - j.createdAt);
  roundTrips.push(j.completedAt! - j.createdAt);
}
const lat = roundStats(stats(latencies));
const trip = roundStats(stats(roundTrips));
for (const c of children) c.kill('SIGTERM');
await server.stop();

const ok = succeeded.length === N;
const targets: TargetRow[] = [
  { metric: `queue throughput, ${N} empty jobs, ${WORKERS} workers`, target: '(report)', measured: `${round(perSecond, 0)} jobs/s`, met: ok ? null : false },
  { metric: 'claim latency (enqueue → claimed for a worker), p50 / p95', target: '(report)', measured: `${fmtMs(lat.p50)} / ${fmtMs(lat.p95)}`, met: null },
  { metric: 'enqueue → result recorded (worker round trip), p50 / p95', target: '(report)', measured: `${fmtMs(trip.p50)} / ${fmtMs(trip.p95)}`, met: null }
];
printTargets(targets);
const details = { jobs: N, succeeded: succeeded.length, workers: WORKERS, concurrencyPerWorker: 4, enqueueMs: round(enqueueMs), enqueuePerSecond: round(N / (enqueueMs / 1000), 0), drainMs: lastDone - firstStart, jobsPerSecond: round(perSecond, 1), claimLatencyMs: lat, roundTripMs: trip, timestampResolutionMs: 1 };
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'queue',
  title: 'job queue throughput and claim latency',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `built server on 127.0.0.1 (SQLite); ${WORKERS} worker processes (build/worker.js, system.echo only, concurrency 4) over socket.io; jobs queued via the API`,
  targets,
  details
});
console.log(`  results: ${file}`);
process.exit(ok ? 0 : 1);
