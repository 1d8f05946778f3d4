// Benchmark 1: edit-to-remote-apply latency with 20 editors on one project.
// 20 users (signed up through the API, added as editors) each run a y-websocket client on one project; the clients
// live in 2 worker threads (10 each) so that client CPU does not queue behind one event loop. Every editor edits
// 5 times a second, staggered evenly (100 edits/s in all), alternating between inserting a marker text into the
// notes and setting a comment's body to the marker. Each marker carries the sender, a sequence number and the
// send time; every OTHER client records when it observes the marker through its Yjs observers.
import { signup, createProject, addMember } from '../tests/helpers/api';
import { ClientThread, type ClientSpec } from './lib/clients';
import { deadline, fmtMs, machine, nowMs, printTargets, procCpuMs, roundStats, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const EDITORS = Number(process.env.BENCH_EDITORS ?? 20);
const THREADS = 2;
const EDITS_PER_SECOND = Number(process.env.BENCH_EDIT_RATE ?? 5);
const WARMUP_MS = 3_000;
const MEASURE_MS = Number(process.env.BENCH_EDIT_SECONDS ?? 20) * 1000;
const DRAIN_MS = 2_000;
const TARGET_P95_MS = 50;

deadline('edit-latency', 120_000 + WARMUP_MS + MEASURE_MS);
const started = Date.now();
const server = await startBenchServer();
console.log(`edit-latency: server pid ${server.pid} on ${server.url}`);

const owner = await signup(server, 'bench_owner');
const projectId = await createProject(server, owner, 'Latency bench');
const specs: ClientSpec[] = [];
for (let i = 0; i < EDITORS; i++) {
  const u = await signup(server, `bench_editor_${String(i).padStart(2, '0')}`);
  await addMember(server, owner, projectId, u.username, 'editor');
  specs.push({ index: i, userId: u.id, username: u.username, token: u.token, projectId });
}

const threads = Array.from({ length: THREADS }, (_, t) => {
  const mine = specs.filter((s) => s.index % THREADS === t);
  return new ClientThread(new URL('./lib/editor.worker.ts', import.meta.url), { wsUrl: server.wsUrl, clients: mine });
});
const threadOf = (index: number) => index % THREADS;

await Promise.all(threads.map((t) => t.request({ type: 'init' }, 'ready')));

// Threads have their own performance.timeOrigin: estimate each one's offset from the main thread's clock by
// ping-pong (the exchange with the shortest round trip wins) and let each thread correct its timestamps.
const clock: Array<{ offsetMs: number; rttMs: number }> = [];
for (const t of threads) {
  let best = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < 50; i++) {
    const t0 = nowMs();
    const { t: tw } = await t.request<{ t: number }>({ type: 'ping', id: i }, 'pong');
    const t1 = nowMs();
    if (t1 - t0 < best.rttMs) best = { offsetMs: tw - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  await t.request({ type: 'clock', offset: best.offsetMs }, 'clock-set');
  clock.push(best);
}
await Promise.all(threads.map((t) => t.request({ type: 'wait-comments', count: EDITORS }, 'comments-seen')));
console.log(`edit-latency: ${EDITORS} editors synced in ${THREADS} worker threads; clock offsets ${clock.map((c) => `${c.offsetMs.toFixed(3)} ms (rtt ${c.rttMs.toFixed(3)})`).join(', ')}`);

// Warm-up (not recorded), then the measured run.
const periodMs = 1000 / EDITS_PER_SECOND;
const staggerMs = periodMs / EDITORS;
async function phase(durationMs: number) {
  const startAt = nowMs() + 200;
  return Promise.all(threads.map((t) => t.request({ type: 'run', startAt, endAt: startAt + durationMs, periodMs, staggerMs, drainMs: DRAIN_MS }, 'samples', durationMs + 30_000)));
}
await phase(WARMUP_MS);
const cpu0 = procCpuMs(server.pid);
const wall0 = nowMs();
const results = await phase(MEASURE_MS);
const serverCpuPct = ((procCpuMs(server.pid) - cpu0) / (nowMs() - wall0)) * 100;

const all: number[] = [];
const byKind: number[][] = [[], []];
const byPlace: number[][] = [[], []]; // 0: sender in the same thread, 1: in the other thread
let sent = 0;
for (const [t, r] of results.entries()) {
  for (let i = 0; i < r.latency.length; i++) {
    all.push(r.latency[i]);
    byKind[r.kind[i]].push(r.latency[i]);
    byPlace[threadOf(r.sender[i]) === t ? 0 : 1].push(r.latency[i]);
  }
  for (const s of r.sent) sent += s.sent;
}
const expected = sent * (EDITORS - 1);
const digests = new Set(results.flatMap((r) => r.digests));
const total = roundStats(stats(all));
const notes = roundStats(stats(byKind[0]));
const comments = roundStats(stats(byKind[1]));

await Promise.all(threads.map((t) => t.request({ type: 'close' }, 'closed')));
await Promise.all(threads.map((t) => t.terminate()));
await server.stop();

const setup = `${EDITORS} editors (y-websocket clients, one user each, role editor) on one project, in ${THREADS} worker threads of the benchmark process; the server is its own process (node build/server.js, SQLite). Each editor edits ${EDITS_PER_SECOND}/s, staggered (${EDITORS * EDITS_PER_SECOND} edits/s in all), alternating a notes insert and a comment-body change; ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured. Latency = receiving client's observer time minus the sender's time just before its local transaction (thread clocks aligned by ping-pong).`;
const targets: TargetRow[] = [
  { metric: 'remote edit p95, 20 editors', target: `< ${TARGET_P95_MS} ms`, measured: fmtMs(total.p95), met: total.count > 0 && total.p95 < TARGET_P95_MS }
];
const details = {
  editors: EDITORS,
  editsPerSecondPerEditor: EDITS_PER_SECOND,
  measuredSeconds: MEASURE_MS / 1000,
  editsSent: sent,
  samplesExpected: expected,
  samplesReceived: total.count,
  converged: digests.size === 1,
  latencyMs: total,
  latencyMsNotes: notes,
  latencyMsComments: comments,
  latencyMsSameThread: roundStats(stats(byPlace[0])),
  latencyMsOtherThread: roundStats(stats(byPlace[1])),
  serverCpuPercentOfOneCore: Math.round(serverCpuPct),
  clientThreadLoopDelayMs: results.map((r) => Object.fromEntries(Object.entries(r.loopDelayMs as Record<string, number>).map(([k, v]) => [k, Math.round(v * 100) / 100]))),
  threadClockOffsets: clock
};

console.log(`\nedit-to-remote-apply latency — ${setup}`);
console.log(`  edits sent ${sent}, samples ${total.count}/${expected} (${expected - total.count} missing), replicas converged: ${digests.size === 1 ? 'yes' : `NO (${digests.size} distinct states)`}`);
const row = (name: string, s: typeof total) => console.log(`  ${name.padEnd(14)} n=${String(s.count).padEnd(6)} p50 ${fmtMs(s.p50).padEnd(9)} p95 ${fmtMs(s.p95).padEnd(9)} p99 ${fmtMs(s.p99).padEnd(9)} max ${fmtMs(s.max)}`);
row('all', total);
row('notes insert', notes);
row('comment field', comments);
row('same thread', details.latencyMsSameThread);
row('other thread', details.latencyMsOtherThread);
console.log(`  server CPU during the run: ${details.serverCpuPercentOfOneCore}% of one core; client threads' event-loop delay p99: ${details.clientThreadLoopDelayMs.map((d) => fmtMs(d.p99)).join(', ')}`);
printTargets(targets);

const file = writeResult({ name: 'edit-latency', title: 'edit-to-remote-apply latency, 20 editors', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
if (total.count === 0 || digests.size !== 1) process.exit(1);
process.exit(0);
