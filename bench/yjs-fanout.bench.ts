// Benchmark: cross-process edit latency with two web processes sharing documents through Redis (issue 8, scale-out).
// Two built web processes (node build/server.js) on one PostgreSQL database (a fresh one on TEST_DATABASE_URL's server)
// and one Redis (TEST_REDIS_URL, under a key prefix of its own). On one project, a writer and an observer
// y-websocket client are connected to each process. Each writer sets a new key in a Y.Map at a steady rate, the
// value being its send time; both observers record when the key arrives. An edit on A seen by B's observer went
// A → PostgreSQL append → Redis → B; seen by A's observer it is the same-process baseline. All clients live in this
// process, so send and receive times come from one clock.
import { signup, createProject } from '../tests/helpers/api';
import { createTestDatabase } from '../tests/helpers/db';
import { TEST_REDIS_URL, dropRedisPrefix, testRedisPrefix } from '../tests/helpers/redis';
import { connectClient, waitFor, type YClient } from './lib/clients';
import { deadline, fmtMs, machine, nowMs, printTargets, procCpuMs, roundStats, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

/** Per writer; the two writers alternate, so twice this many edits a second in all. */
const EDITS_PER_SECOND = Number(process.env.BENCH_EDIT_RATE ?? 20);
const WARMUP_MS = 2_000;
const MEASURE_MS = Number(process.env.BENCH_EDIT_SECONDS ?? 15) * 1000;
const TARGET_P95_MS = 100;

deadline('yjs-fanout', 120_000 + WARMUP_MS + MEASURE_MS);
const started = Date.now();
const database = await createTestDatabase('postgres');
const prefix = testRedisPrefix('bench-fanout');
const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
// One after the other: the second finds the migrations applied.
const servers = [await startBenchServer({ databaseUrl: database.url, env }), await startBenchServer({ databaseUrl: database.url, env })];
console.log(`yjs-fanout: web processes ${servers.map((s) => `pid ${s.pid} on ${s.url}`).join(', ')}`);

const owner = await signup(servers[0], 'bench_fanout');
const projectId = await createProject(servers[0], owner, 'Fan-out latency');
const writers = servers.map((s) => connectClient(s.wsUrl, projectId, owner.token));
const observers = servers.map((s) => connectClient(s.wsUrl, projectId, owner.token));
await Promise.all([...writers, ...observers].map((c) => c.synced));

/** latency[writer][observer]: samples of edits made on writer's process, seen on observer's. */
const latency: number[][][] = [[[], []], [[], []]];
let recording = false;
observers.forEach((o, observer) => {
  o.doc.getMap<number>('bench').observe((e) => {
    const at = nowMs();
    if (!recording) return;
    for (const key of e.keysChanged) latency[Number(key[0])][observer].push(at - (e.target.get(key) as number));
  });
});

let seq = 0;
async function run(durationMs: number): Promise<number> {
  const periodMs = 1000 / EDITS_PER_SECOND;
  const end = nowMs() + durationMs;
  let sent = 0;
  // The two writers alternate, half a period apart.
  for (let next = nowMs(); next < end; next += periodMs / 2) {
    await sleep(Math.max(0, next - nowMs()));
    const w = sent % 2;
    const c: YClient = writers[w];
    c.doc.getMap<number>('bench').set(`${w}:${++seq}`, nowMs());
    sent++;
  }
  return sent;
}

await run(WARMUP_MS);
await sleep(500);
recording = true;
const cpu0 = servers.map((s) => procCpuMs(s.pid));
const wall0 = nowMs();
const sent = await run(MEASURE_MS);
const cpuPct = servers.map((s, i) => Math.round(((procCpuMs(s.pid) - cpu0[i]) / (nowMs() - wall0)) * 100));
const keys = () => observers.map((o) => o.doc.getMap('bench').size);
await waitFor(() => keys().every((k) => k === seq), 'both observers to receive every edit', 30_000);
recording = false;

const cross = roundStats(stats([...latency[0][1], ...latency[1][0]]));
const same = roundStats(stats([...latency[0][0], ...latency[1][1]]));
const aToB = roundStats(stats(latency[0][1]));
const bToA = roundStats(stats(latency[1][0]));

for (const c of [...writers, ...observers]) c.destroy();
await Promise.all(servers.map((s) => s.stop()));
await database.drop();
await dropRedisPrefix(prefix);

const setup = `two web processes (node build/server.js) on one PostgreSQL database and one Redis (REDIS_URL); one project; per process a writer and an observer y-websocket client in the benchmark process. Each writer makes ${EDITS_PER_SECOND} edits/s, the two alternating (${2 * EDITS_PER_SECOND}/s in all; an edit is a new Y.Map key whose value is the send time); ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured. Cross-process: an edit on A's writer until B's observer applies it (append to PostgreSQL, publish on Redis, apply and relay on B), and B to A; same-process: the observer on the writer's own process.`;
const targets: TargetRow[] = [
  { metric: 'cross-process edit p95 (2 web processes)', target: `< ${TARGET_P95_MS} ms`, measured: fmtMs(cross.p95), met: cross.count > 0 && cross.p95 < TARGET_P95_MS }
];
const details = { editsPerSecondPerWriter: EDITS_PER_SECOND, measuredSeconds: MEASURE_MS / 1000, editsSent: sent, crossProcessMs: cross, aToBMs: aToB, bToAMs: bToA, sameProcessMs: same, serverCpuPercentOfOneCore: cpuPct };

console.log(`\ncross-process edit latency — ${setup}`);
const row = (name: string, s: typeof cross) => console.log(`  ${name.padEnd(14)} n=${String(s.count).padEnd(6)} p50 ${fmtMs(s.p50).padEnd(9)} p95 ${fmtMs(s.p95).padEnd(9)} p99 ${fmtMs(s.p99).padEnd(9)} max ${fmtMs(s.max)}`);
row('cross-process', cross);
row('A to B', aToB);
row('B to A', bToA);
row('same process', same);
console.log(`  web processes' CPU during the run: ${cpuPct.map((p) => `${p}%`).join(', ')} of one core`);
printTargets(targets);

const file = writeResult({ name: 'yjs-fanout', title: 'cross-process edit latency, two web processes through Redis', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
process.exit(cross.count > 0 ? 0 : 1);
