// Benchmark: chat fan-out across two web processes sharing one PostgreSQL database and one Redis (REDIS_URL; the
// socket.io streams adapter carries each room's messages between them). 2,000 guests are joined to one public
// channel's chat: 1,000 real socket.io-client connections on process A and 1,000 on process B (one worker thread of
// the benchmark process each; BENCH_FANOUT_CLIENTS per process). A listener on A sends BENCH_FANOUT_MESSAGES (20)
// messages, one a second; for each, the time from its send until all 2,000 listeners have it, and until all of
// A's and all of B's have it (B's go through Redis). p50/p95 over the messages.
import { createTestDatabase } from '../tests/helpers/db';
import { createProject, signup, api } from '../tests/helpers/api';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../tests/helpers/redis';
import { ClientThread } from './lib/clients';
import { joinedChatGuest } from './lib/chat-guest';
import { deadline, fmtMs, machine, nowMs, printTargets, round, roundStats, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const PER_PROCESS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 1000);
const MESSAGES = Number(process.env.BENCH_FANOUT_MESSAGES ?? 20);
// Every listener here is 127.0.0.1: the per-address flood limit would otherwise refuse the sender.
const RAISED_LIMITS = { CHAT_RATE_MESSAGES: '1000000', CHAT_RATE_SECONDS: '1', CHAT_BLOCK_SECONDS: '1' };

deadline('chat-fanout', 230_000);
const started = Date.now();
const database = await createTestDatabase('postgres');
const prefix = testRedisPrefix('fanout-bench');
const env = { ...RAISED_LIMITS, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, SIGNING_SECRET: 'chat-fanout-bench-signing-secret-0123456789' };
const a = await startBenchServer({ databaseUrl: database.url, env });
const b = await startBenchServer({ databaseUrl: database.url, env });
console.log(`chat-fanout: process A pid ${a.pid} on ${a.url}, process B pid ${b.pid} on ${b.url}; PostgreSQL ${database.url.replace(/\/\/[^@]*@/, '//')}; Redis ${TEST_REDIS_URL} prefix ${prefix}`);

const owner = await signup(a, 'bench_fanout_owner');
const projectId = await createProject(a, owner, 'Fan-out bench');
const created = await api(a, 'POST', `/api/projects/${projectId}/channels`, { token: owner.token, body: { name: 'Fan-out FM', visibility: 'public' } });
if (created.status !== 201) throw new Error(`channel create answered ${created.status}: ${JSON.stringify(created.body)}`);
const { slug } = created.body as { slug: string };

const threads = [a, b].map((p) => new ClientThread(new URL('./lib/fanout.worker.ts', import.meta.url), { url: p.url, slug, clients: PER_PROCESS, concurrency: 25, messages: MESSAGES }));
const ready = await Promise.all(threads.map((t) => t.request<{ connectMs: number; connected: number }>({ type: 'init' }, 'ready', 180_000)));
const connected = ready.map((r) => r.connected);
console.log(`chat-fanout: ${connected[0]} listeners on A, ${connected[1]} on B, connected and joined in ${ready.map((r) => `${round(r.connectMs / 1000, 1)} s`).join(' and ')}`);

const sender = await joinedChatGuest(a.url, slug);
await sleep(2000); // let the joins' own traffic settle

const sentAt: number[] = [];
const refused: string[] = [];
const load0 = machine().loadAverage;
for (let id = 0; id < MESSAGES; id++) {
  const t = nowMs();
  sentAt.push(t);
  const r = (await sender.timeout(15_000).emitWithAck('chat:send', { body: `fanout ${id}` })) as { ok: boolean; error?: { code: string } };
  if (!r.ok) refused.push(r.error!.code);
  await sleep(Math.max(0, t + 1000 - nowMs()));
}

type Collected = { deliveries: number[]; lastAt: number[] };
const collect = () => Promise.all(threads.map((t) => t.request<Collected>({ type: 'collect' }, 'collect')));
let collected = await collect();
const drainUntil = Date.now() + 15_000;
while (collected.some((c, i) => c.deliveries.some((n) => n < connected[i])) && Date.now() < drainUntil) {
  await sleep(250);
  collected = await collect();
}
const loadEnd = machine().loadAverage;
sender.disconnect();
await Promise.all(threads.map((t) => t.request({ type: 'close' }, 'closed')));
await Promise.all(threads.map((t) => t.terminate()));
await Promise.all([a.stop(), b.stop()]);
await database.drop();
await dropRedisPrefix(prefix);

const complete = (id: number) => collected.every((c, i) => c.deliveries[id] === connected[i]);
const ids = sentAt.map((_, id) => id).filter(complete);
const allOf = stats(ids.map((id) => Math.max(...collected.map((c) => c.lastAt[id])) - sentAt[id]));
const onA = stats(ids.map((id) => collected[0].lastAt[id] - sentAt[id]));
const onB = stats(ids.map((id) => collected[1].lastAt[id] - sentAt[id]));
const listeners = connected[0] + connected[1];
const allDelivered = ids.length === MESSAGES && refused.length === 0 && listeners === 2 * PER_PROCESS;

const setup = `two web processes (node build/server.js) on one PostgreSQL database and one Redis (socket.io streams adapter); ${connected[0]} guests on A and ${connected[1]} on B joined to one public channel's chat, as real socket.io-client connections (websocket transport) in two worker threads of the benchmark process; a sender on A sends ${MESSAGES} messages, one a second; per message: send → the last of the listeners has it (same process clock); CHAT_RATE_MESSAGES=${RAISED_LIMITS.CHAT_RATE_MESSAGES} per ${RAISED_LIMITS.CHAT_RATE_SECONDS} s (every client is 127.0.0.1)`;
const targets: TargetRow[] = [
  { metric: `chat message → all ${listeners} listeners on 2 processes, p50 / p95`, target: '(report)', measured: `${fmtMs(allOf.p50)} / ${fmtMs(allOf.p95)}`, met: null },
  { metric: `  → all ${connected[0]} on A (the sender's process), p50 / p95`, target: '(report)', measured: `${fmtMs(onA.p50)} / ${fmtMs(onA.p95)}`, met: null },
  { metric: `  → all ${connected[1]} on B (through Redis), p50 / p95`, target: '(report)', measured: `${fmtMs(onB.p50)} / ${fmtMs(onB.p95)}`, met: null },
  { metric: 'messages that reached every listener', target: `${MESSAGES}`, measured: `${ids.length}`, met: allDelivered }
];
const details = {
  listeners: { a: connected[0], b: connected[1] },
  messages: { sent: MESSAGES, refused, reachedEveryone: ids.length },
  allListenersMs: roundStats(allOf),
  processAMs: roundStats(onA),
  processBMs: roundStats(onB),
  connectSeconds: ready.map((r) => round(r.connectMs / 1000, 2)),
  loadAverageBeforeSending: load0,
  loadAverageAtEnd: loadEnd
};
console.log(`\nchat fan-out across processes — ${setup}`);
console.log(`  all ${listeners}: p50 ${fmtMs(allOf.p50)}, p95 ${fmtMs(allOf.p95)}, max ${fmtMs(allOf.max)}; A: p50 ${fmtMs(onA.p50)}, p95 ${fmtMs(onA.p95)}; B: p50 ${fmtMs(onB.p50)}, p95 ${fmtMs(onB.p95)}`);
console.log(`  load average before sending / at end: ${load0.join(' ')} / ${loadEnd.join(' ')}`);
printTargets(targets);
const file = writeResult({ name: 'chat-fanout', title: `chat fan-out to ${listeners} listeners on two web processes`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
process.exit(allDelivered ? 0 : 1);
