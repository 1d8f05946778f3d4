// Benchmark: live chat fan-out. 1,000 guests hold connections to the /chat namespace of the built web process, all
// joined to one public channel's chat; 10 of them send 100 messages/s in total (open loop: each message at its
// planned time, whatever the answers) for 30 s (BENCH_CHAT_CLIENTS, BENCH_CHAT_RATE, BENCH_CHAT_SECONDS change that).
// Every client times every message it receives against the send time written in its body, and against the server's
// timestamp on the message (the fan-out alone).
//
// Who the clients are: the 10 senders (one worker thread) and a sample of 50 receivers (another thread;
// BENCH_CHAT_SAMPLE) are real socket.io-client connections; the other receivers are protocol-faithful light clients
// (bench/lib/chat-light.worker.ts: Engine.IO v4 / Socket.IO v5 spoken directly over `ws`, the same frames on the
// wire, messages read with a regex instead of a full decode) in BENCH_CHAT_LIGHT_THREADS (2) threads. 1,000 full
// socket.io-client decoders on the same 2 cores as the server starved both the server and the senders, so the
// benchmark measured its own load generator; the light clients keep the generator from being the bottleneck, and
// the two groups' latencies are reported apart (the real sample shows what a real client sees). All the threads are
// in the benchmark process (one clock); the server is its own process. BENCH_CHAT_SERVER_NODE_OPTIONS is passed to
// the server as NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). The chat's flood limits (CHAT_RATE_*,
// per connection and per address: every client here is 127.0.0.1) are raised for this server so the load is not
// refused.
import fs from 'node:fs';
import os from 'node:os';
import { api, createProject, signup } from '../tests/helpers/api';
import { ClientThread } from './lib/clients';
import { deadline, fmtMs, machine, nowMs, printTargets, procCpuMs, round, roundStats, sleep, startBenchServer, stats, writeResult, type Stats, type TargetRow } from './lib/common';

const CLIENTS = Number(process.env.BENCH_CHAT_CLIENTS ?? 1000);
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 30);
const SENDERS = 10;
const SAMPLE = Math.min(Number(process.env.BENCH_CHAT_SAMPLE ?? 50), CLIENTS - SENDERS);
const LIGHT = CLIENTS - SENDERS - SAMPLE;
const LIGHT_THREADS = Number(process.env.BENCH_CHAT_LIGHT_THREADS ?? 2);
const MESSAGES = RATE * SECONDS;
const RAISED_LIMITS = { CHAT_RATE_MESSAGES: '1000000', CHAT_RATE_SECONDS: '1', CHAT_BLOCK_SECONDS: '1' };
const SERVER_NODE_OPTIONS = process.env.BENCH_CHAT_SERVER_NODE_OPTIONS;

deadline('chat', 220_000);
const started = Date.now();
const server = await startBenchServer({ env: { ...RAISED_LIMITS, ...(SERVER_NODE_OPTIONS ? { NODE_OPTIONS: SERVER_NODE_OPTIONS } : {}) } });
console.log(`chat: server pid ${server.pid} on ${server.url} (flood limits raised: ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(' ')}${SERVER_NODE_OPTIONS ? `; NODE_OPTIONS=${SERVER_NODE_OPTIONS}` : ''})`);
const owner = await signup(server, 'bench_chat_owner');
const projectId = await createProject(server, owner, 'Chat bench');
const created = await api(server, 'POST', `/api/projects/${projectId}/channels`, { token: owner.token, body: { name: 'Chat bench FM', visibility: 'public' } });
if (created.status !== 201) throw new Error(`channel create answered ${created.status}: ${JSON.stringify(created.body)}`);
const { slug } = created.body as { slug: string };

interface Group {
  name: 'real' | 'light';
  thread: ClientThread;
}
const common = { url: server.url, slug, concurrency: 25, messages: MESSAGES };
const senderThread = new ClientThread(new URL('./lib/chat.worker.ts', import.meta.url), { ...common, clients: SENDERS });
const groups: Group[] = [{ name: 'real', thread: senderThread }];
if (SAMPLE > 0) groups.push({ name: 'real', thread: new ClientThread(new URL('./lib/chat.worker.ts', import.meta.url), { ...common, clients: SAMPLE }) });
const perLight = Math.ceil(LIGHT / LIGHT_THREADS);
for (let t = 0; t < LIGHT_THREADS && t * perLight < LIGHT; t++) {
  groups.push({ name: 'light', thread: new ClientThread(new URL('./lib/chat-light.worker.ts', import.meta.url), { ...common, clients: Math.min(perLight, LIGHT - t * perLight) }) });
}
const threads = groups.map((g) => g.thread);
const ready = await Promise.all(threads.map((t) => t.request<{ connectMs: number; connected: number }>({ type: 'init' }, 'ready', 150_000)));
const connected = ready.reduce((a, r) => a + r.connected, 0);
const connectedIn = (name: Group['name']) => ready.filter((_, i) => groups[i].name === name).reduce((a, r) => a + r.connected, 0);
console.log(`chat: ${connected} clients connected and joined (${connectedIn('real')} real socket.io-client, ${connectedIn('light')} light) in ${ready.map((r) => `${round(r.connectMs / 1000, 1)} s`).join(', ')}; sending ${MESSAGES} messages at ${RATE}/s from ${SENDERS} of them`);
await sleep(2000); // let the joins' own traffic settle

const t0 = nowMs() + 500;
const plan = Array.from({ length: MESSAGES }, (_, id) => ({ id, at: t0 + (id * 1000) / RATE }));
const cpu0 = procCpuMs(server.pid);
const sched0 = schedstat(server.pid);
const cpuBench0 = process.cpuUsage();
const load0 = os.loadavg();
const wall0 = nowMs();
const sent = [await senderThread.request<{ acked: number; refused: Record<string, number>; maxSendLateMs: number }>({ type: 'send', plan, senders: SENDERS }, 'sent', (SECONDS + 60) * 1000)];
const sendWallMs = nowMs() - wall0;
const serverCpu = (procCpuMs(server.pid) - cpu0) / sendWallMs;
const sched1 = schedstat(server.pid);
// The server's main thread (its event loop): the share of the sending time it ran on a CPU, and the share it was
// runnable but waiting for one (other processes on the machine; the load average says how many).
const serverLoop = { runningShare: round((sched1.runNs - sched0.runNs) / 1e6 / sendWallMs, 2), waitingForCpuShare: round((sched1.waitNs - sched0.waitNs) / 1e6 / sendWallMs, 2) };
const benchCpuSending = process.cpuUsage(cpuBench0);
const loadSending = os.loadavg();
const acked = sent.reduce((a, s) => a + s.acked, 0);
const expected = acked * connected;

// Deliveries still in flight: wait until every client has every accepted message, or 20 s.
const drainUntil = Date.now() + 20_000;
let received = 0;
for (;;) {
  received = (await Promise.all(threads.map((t) => t.request<{ received: number }>({ type: 'count' }, 'count')))).reduce((a, c) => a + c.received, 0);
  if (received >= expected || Date.now() > drainUntil) break;
  await sleep(250);
}
const collected = await Promise.all(threads.map((t) => t.request<{ latencies: Float64Array; fromServer: Float64Array; perMessage: Uint32Array; foreign: number; unexpected?: number }>({ type: 'collect' }, 'collect')));
const benchCpu = process.cpuUsage(cpuBench0);
await Promise.all(threads.map((t) => t.request({ type: 'close' }, 'closed')));
await Promise.all(threads.map((t) => t.terminate()));
await server.stop();

const concat = (arrays: Float64Array[]) => {
  const out = new Float64Array(arrays.reduce((a, c) => a + c.length, 0));
  let off = 0;
  for (const c of arrays) {
    out.set(c, off);
    off += c.length;
  }
  return out;
};
const latency = stats(concat(collected.map((c) => c.latencies)));
const fromServer = stats(concat(collected.map((c) => c.fromServer)));
const byGroup = (name: Group['name']) => {
  const cs = collected.filter((_, i) => groups[i].name === name);
  return { clients: connectedIn(name), latency: stats(concat(cs.map((c) => c.latencies))), fromServer: stats(concat(cs.map((c) => c.fromServer))) };
};
const real = byGroup('real');
const light = byGroup('light');
const perMessage = new Uint32Array(MESSAGES);
for (const c of collected) for (let i = 0; i < MESSAGES; i++) perMessage[i] += c.perMessage[i];
// Refused messages reach nobody: the rest should each have reached every client.
const incomplete = perMessage.filter((n) => n > 0 && n !== connected).length;
const refused = Object.fromEntries(sent.flatMap((s) => Object.entries(s.refused)).reduce((m, [k, v]) => m.set(k, (m.get(k) ?? 0) + v), new Map<string, number>()));
const allDelivered = acked === MESSAGES && latency.count === expected;
const benchCpuCores = (benchCpu.user + benchCpu.system) / 1000 / (nowMs() - wall0);
const benchCpuSendingCores = (benchCpuSending.user + benchCpuSending.system) / 1000 / sendWallMs;
const p99Met = allDelivered && latency.p99 < 100;

const setup = `${connected} guests connected to /chat (websocket transport), joined to one public channel's chat: ${SENDERS} senders and a sample of ${connectedIn('real') - SENDERS} receivers on real socket.io-client connections, ${connectedIn('light')} receivers as protocol-faithful light clients (Engine.IO v4 / Socket.IO v5 over ws, messages read by regex) so the load generator is not the bottleneck; ${threads.length} worker threads of the benchmark process; the ${SENDERS} senders send ${RATE} messages/s in total for ${SECONDS} s (open loop); latency = receive time − send time in the body (same process clock); the server is its own process (node build/server.js, SQLite) with CHAT_RATE_MESSAGES=${RAISED_LIMITS.CHAT_RATE_MESSAGES} per ${RAISED_LIMITS.CHAT_RATE_SECONDS} s so the per-address flood limit (every client is 127.0.0.1) does not refuse the load`;
const targets: TargetRow[] = [
  { metric: `chat delivery p99, ${connected} listeners, ${RATE} msg/s fan-out (loopback)`, target: '< 100 ms', measured: fmtMs(latency.p99), met: p99Met && connected === CLIENTS && RATE >= 100 && CLIENTS >= 1000 },
  { metric: `  p50 / p95 / max, all ${connected} clients`, target: '(report)', measured: `${fmtMs(latency.p50)} / ${fmtMs(latency.p95)} / ${fmtMs(latency.max)}`, met: null },
  { metric: `  p50 / p99, ${real.clients} real socket.io-client`, target: '(report)', measured: `${fmtMs(real.latency.p50)} / ${fmtMs(real.latency.p99)}`, met: null },
  { metric: `  p50 / p99, ${light.clients} light clients`, target: '(report)', measured: `${fmtMs(light.latency.p50)} / ${fmtMs(light.latency.p99)}`, met: null },
  { metric: 'deliveries measured / expected (clients × messages)', target: `${CLIENTS} × ${MESSAGES}`, measured: `${latency.count} / ${connected} × ${acked}`, met: allDelivered && connected === CLIENTS }
];
const details = {
  clients: { total: connected, real: real.clients, light: light.clients, senders: SENDERS },
  messages: { planned: MESSAGES, accepted: acked, refused, ratePerSecond: RATE, seconds: SECONDS },
  /** Messages whose ack timed out may still have been broadcast (late): these are counted here, not in `expected`. */
  deliveries: { measured: latency.count, expected, messagesSeen: perMessage.filter((n) => n > 0).length, messagesReachingSomeButNotAll: incomplete, foreign: collected.reduce((a, c) => a + c.foreign, 0), unexpectedFrames: collected.reduce((a, c) => a + (c.unexpected ?? 0), 0) },
  latencyMs: roundStats(latency),
  realLatencyMs: roundStats(real.latency),
  lightLatencyMs: roundStats(light.latency),
  /** From the server's timestamp on the message (taken as it handles chat:send) to arrival: the fan-out alone. */
  fromServerMs: roundStats(fromServer),
  realFromServerMs: roundStats(real.fromServer),
  lightFromServerMs: roundStats(light.fromServer),
  serverCpuCores: round(serverCpu, 2),
  serverMainThread: serverLoop,
  /** The benchmark process (all its threads: senders and receivers) while sending, and until the deliveries drained. */
  benchmarkCpuCores: round(benchCpuSendingCores, 2),
  benchmarkCpuCoresUntilDrained: round(benchCpuCores, 2),
  maxSendLateMs: round(Math.max(...sent.map((s) => s.maxSendLateMs)), 1),
  connectSeconds: ready.map((r) => round(r.connectMs / 1000, 2)),
  raisedLimits: RAISED_LIMITS,
  loadAverageBeforeSending: load0.map((x) => round(x, 2)),
  loadAverageAfterSending: loadSending.map((x) => round(x, 2)),
  loadAverageAtEnd: os.loadavg().map((x) => round(x, 2))
};

const line = (s: Stats) => `p50 ${fmtMs(s.p50)}, p95 ${fmtMs(s.p95)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}`;
console.log(`\nchat fan-out — ${setup}`);
console.log(`  delivery latency, all: ${line(latency)} over ${latency.count} deliveries (expected ${connected} × ${acked} = ${expected}); refused ${JSON.stringify(refused)}`);
console.log(`    real socket.io-client (${real.clients}): ${line(real.latency)} over ${real.latency.count}`);
console.log(`    light clients (${light.clients}): ${line(light.latency)} over ${light.latency.count}`);
console.log(`  from the server's timestamp to arrival (fan-out alone): all ${line(fromServer)}; real p99 ${fmtMs(real.fromServer.p99)}, light p99 ${fmtMs(light.fromServer.p99)}`);
console.log(`  CPU while sending: server ${round(serverCpu * 100)} % of one core (main thread on a CPU ${round(serverLoop.runningShare * 100)} % of the time, runnable but waiting for a CPU ${round(serverLoop.waitingForCpuShare * 100)} %), benchmark process (load generator, all threads) ${round(benchCpuSendingCores * 100)} %; senders at most ${details.maxSendLateMs} ms behind their schedule`);
console.log(`  load average before / after sending / at end: ${details.loadAverageBeforeSending.join(' ')} / ${details.loadAverageAfterSending.join(' ')} / ${details.loadAverageAtEnd.join(' ')}`);
printTargets(targets);
const file = writeResult({ name: 'chat', title: `chat fan-out to ${connected} clients at ${RATE} messages/s`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
process.exit(allDelivered ? 0 : 1);

/** /proc/<pid>/schedstat of the process's main thread: time on a CPU and time runnable but waiting, in ns. */
function schedstat(pid: number): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { runNs: run, waitNs: wait };
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
}
