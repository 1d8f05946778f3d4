// Benchmark 2: server memory with 500 open Yjs connections over 50 projects.
// 10 users (signed up through the API) are members of 50 projects; each project gets 10 y-websocket clients (one per
// user), each of which syncs and sets its presence, and the first of them writes a paragraph into the notes. The
// clients live in 2 worker threads of the benchmark process; the server is its own process, and its resident set
// (VmRSS in /proc/<pid>/status) is read before, with all 500 connections open, and after they closed.
import { signup, createProject, addMember, type TestUser } from '../tests/helpers/api';
import { loadConfig } from '../src/lib/server/config';
import { ClientThread, type ClientSpec } from './lib/clients';
import { deadline, fmtBytes, machine, mapLimit, printTargets, procMemory, realtimeStats, sleep, startBenchServer, waitForRealtime, writeResult, type TargetRow } from './lib/common';

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 50);
const PER_PROJECT = 10;
const THREADS = 2;
const CONNECTIONS = PROJECTS * PER_PROJECT;
const TARGET_BYTES = 1024 ** 3;

deadline('connections', 150_000);
const started = Date.now();
const setupServer = await startBenchServer();
console.log(`connections: setup server pid ${setupServer.pid} on ${setupServer.url}`);

const users: TestUser[] = [];
for (let i = 0; i < PER_PROJECT; i++) users.push(await signup(setupServer, `bench_member_${i}`));
const projectIds = await mapLimit(Array.from({ length: PROJECTS }, (_, p) => p), 4, async (p) => {
  const id = await createProject(setupServer, users[0], `Connections bench ${p}`);
  for (const u of users.slice(1)) await addMember(setupServer, users[0], id, u.username, 'editor');
  return id;
});
// Signing up hashes passwords with Argon2id (19 MiB each), which leaves the heap grown: measure on a fresh process
// over the same database, so the baseline is an idle server and the growth is the connections' own.
await setupServer.stop();
const server = await setupServer.restart();
const fresh = procMemory(server.pid).rss;
console.log(`connections: restarted, server pid ${server.pid}, RSS at start ${fmtBytes(fresh)}`);
const specs: ClientSpec[] = projectIds.flatMap((projectId, p) =>
  users.map((u, i) => ({ index: p * PER_PROJECT + i, userId: u.id, username: u.username, token: u.token, projectId }))
);

/** The median of a few readings over `ms`, and the last one. */
async function rssOver(ms: number, readings = 5) {
  const values: number[] = [];
  for (let i = 0; i < readings; i++) {
    values.push(procMemory(server.pid).rss);
    await sleep(ms / readings);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], readings: values };
}

await sleep(500);
const baseline = await rssOver(1000);
console.log(`connections: ${PER_PROJECT} users, ${PROJECTS} projects created; baseline RSS ${fmtBytes(baseline.median)}; opening ${CONNECTIONS} connections from ${THREADS} worker threads`);

const perThread = Math.ceil(PROJECTS / THREADS) * PER_PROJECT;
const threads = Array.from({ length: THREADS }, (_, t) =>
  new ClientThread(new URL('./lib/connections.worker.ts', import.meta.url), {
    wsUrl: server.wsUrl,
    clients: specs.slice(t * perThread, (t + 1) * perThread),
    perProject: PER_PROJECT,
    concurrency: 25
  })
);
const ready = await Promise.all(threads.map((t) => t.request<{ connectMs: number; settledMs: number; extensions: string[]; connected: number }>({ type: 'init' }, 'ready', 90_000)));
const seen = await waitForRealtime(server, (r) => r.yjsConnections === CONNECTIONS && r.loadedDocuments === PROJECTS, `${CONNECTIONS} connections on the server`);
await sleep(2000);
const open = await rssOver(2000);
const hwm = procMemory(server.pid).hwm;
const stillOpen = (await Promise.all(threads.map((t) => t.request<{ connected: number }>({ type: 'count' }, 'count')))).reduce((a, r) => a + r.connected, 0);
const stillOnServer = (await realtimeStats(server)).yjsConnections;

await Promise.all(threads.map((t) => t.request({ type: 'close' }, 'closed')));
await waitForRealtime(server, (r) => r.yjsConnections === 0 && r.loadedDocuments === 0, 'every document unloaded', 30_000);
await sleep(1000);
const after = await rssOver(1000);
await Promise.all(threads.map((t) => t.terminate()));
await server.stop();

const perConnection = (open.median - baseline.median) / CONNECTIONS;
const config = loadConfig({});
const extensions = [...new Set(ready.flatMap((r) => r.extensions))];
const setup = `${CONNECTIONS} y-websocket clients (${PER_PROJECT} users × ${PROJECTS} projects), each synced with presence set, the first per project wrote ~1 KB of notes; clients in ${THREADS} worker threads of the benchmark process, the server its own process (node build/server.js, SQLite). RSS = VmRSS of the server process, median of 5 readings; users and projects are created first, then the server is restarted on the same database and the baseline is read on the idle fresh process (after one /health request), before any Yjs connection.`;
const targets: TargetRow[] = [
  { metric: `server RSS, ${CONNECTIONS} connections`, target: '< 1 GiB', measured: fmtBytes(open.median), met: stillOnServer === CONNECTIONS && open.median < TARGET_BYTES }
];
const details = {
  connections: CONNECTIONS,
  projects: PROJECTS,
  rssBytes: { atStart: fresh, baseline: baseline.median, withConnections: open.median, withConnectionsMax: open.max, highWaterMark: hwm, afterClose: after.median },
  perConnectionBytes: Math.round(perConnection),
  connectSeconds: ready.map((r) => Math.round(r.connectMs) / 1000),
  allPresenceSeenSeconds: ready.map((r) => Math.round(r.settledMs) / 1000),
  serverSaw: seen,
  clientsStillConnectedAtMeasurement: stillOpen,
  serverConnectionsAtMeasurement: stillOnServer,
  wsServer: { maxPayloadBytes: config.yjs.maxMessageBytes, negotiatedExtensions: extensions.map((e) => e || '(none: permessage-deflate off)') }
};

console.log(`\nserver RSS with open Yjs connections — ${setup}`);
console.log(`  RSS at start ${fmtBytes(fresh)}, baseline ${fmtBytes(baseline.median)}, with ${CONNECTIONS} connections ${fmtBytes(open.median)} (max ${fmtBytes(open.max)}, high-water ${fmtBytes(hwm)}), after all closed ${fmtBytes(after.median)}`);
console.log(`  per connection (with − baseline) / ${CONNECTIONS}: ${fmtBytes(perConnection)}; server counted ${stillOnServer} connections, ${seen.loadedDocuments} loaded documents; clients connected ${stillOpen}`);
console.log(`  connect + sync + presence: ${details.connectSeconds.join(' s, ')} s per thread (25 at a time each); ws server: maxPayload ${fmtBytes(config.yjs.maxMessageBytes)}, extensions negotiated: ${details.wsServer.negotiatedExtensions.join(', ')}`);
printTargets(targets);

const file = writeResult({ name: 'connections', title: `server RSS with ${CONNECTIONS} Yjs connections`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
process.exit(stillOnServer === CONNECTIONS ? 0 : 1);
