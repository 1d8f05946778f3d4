// Benchmark 3: load time of a project document holding 10,000 records.
// A real client writes 10,000 comments (ProjectDoc.comments.insert(newComment(...)), 500 per transaction); once a
// second client has all of them, both close, so the server unloads the document and compacts its log into a snapshot.
// The server is restarted (cold process) and a new client measures connect → `synced` → all 10,000 records read
// through the model: first cold, then warm (the document is unloaded between runs, so each run loads it from the
// database again), then hot (another client keeps it loaded). Last, with the server stopped, the same database is
// opened in this process and SharedDoc.load() is timed alone.
import * as Y from 'yjs';
import { signup, createProject } from '../tests/helpers/api';
import { newComment } from '../src/lib/editor/model/comment';
import { userOrigin } from '../src/lib/editor/model/origin';
import { ProjectDoc } from '../src/lib/editor/model/project-doc';
import { loadConfig } from '../src/lib/server/config';
import { openDatabase } from '../src/lib/server/db/database';
import { createLogger } from '../src/lib/server/log';
import { DocLogRepository } from '../src/lib/server/yjs/doc-log.repository';
import { SharedDoc } from '../src/lib/server/yjs/shared-doc';
import { connectClient, waitFor, type YClient } from './lib/clients';
import { deadline, fmtBytes, fmtMs, machine, nowMs, printTargets, round, roundStats, sleep, startBenchServer, stats, waitForRealtime, writeResult, type TargetRow } from './lib/common';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 10_000);
const PER_TRANSACTION = 500;
const WARM_RUNS = 5;
const HOT_RUNS = 5;
const IN_PROCESS_RUNS = 6;
const TARGET_MS = 300;

deadline('doc-load', 150_000);
const started = Date.now();
let server = await startBenchServer();
console.log(`doc-load: server pid ${server.pid} on ${server.url}`);
const owner = await signup(server, 'bench_loader');
const projectId = await createProject(server, owner, 'Ten thousand comments');

// Write the records through a real client.
const tWrite = nowMs();
const writer = connectClient(server.wsUrl, projectId, owner.token);
await writer.synced;
const writerModel = new ProjectDoc(writer.doc);
const base = Date.now();
for (let i = 0; i < RECORDS; i += PER_TRANSACTION) {
  writerModel.transact(userOrigin(owner.id), (d) => {
    for (let j = i; j < Math.min(RECORDS, i + PER_TRANSACTION); j++) {
      d.comments.insert(newComment({ authorId: owner.id, authorName: owner.username, body: `Comment ${j}: tighten the cut after the second chorus and check the level of the station ident.`, createdAt: base + j }));
    }
  });
  await sleep(0);
}
const checker = connectClient(server.wsUrl, projectId, owner.token);
await checker.synced;
await waitFor(() => new ProjectDoc(checker.doc).comments.size === RECORDS, `the server to hold ${RECORDS} records`, 60_000);
const writeMs = nowMs() - tWrite;
const encodedV1 = Y.encodeStateAsUpdate(checker.doc).byteLength;
const encodedV2 = Y.encodeStateAsUpdateV2(checker.doc).byteLength;
writer.destroy();
checker.destroy();
await waitForRealtime(server, (r) => r.yjsConnections === 0 && r.loadedDocuments === 0, 'the document to be unloaded and compacted', 30_000);
console.log(`doc-load: ${RECORDS} records written and confirmed in ${fmtMs(writeMs)}; encoded state ${fmtBytes(encodedV1)} (v2 ${fmtBytes(encodedV2)}); restarting the server`);

await server.stop();
server = await server.restart();

interface Run {
  /** Upgrade answered (authenticated, member): the socket is open. */
  openMs: number;
  /** First message from the server: its sync step 1, sent once the document is loaded. */
  firstMessageMs: number;
  syncedMs: number;
  readMs: number;
  totalMs: number;
}
/** A new client: connect → synced (the client has applied the server's state) → every record read through the model. */
async function loadOnce(): Promise<Run> {
  const t0 = nowMs();
  const c: YClient = connectClient(server.wsUrl, projectId, owner.token);
  let tOpen = NaN;
  let tFirst = NaN;
  const ws = c.provider.ws as unknown as EventTarget;
  ws.addEventListener('open', () => (tOpen = nowMs()), { once: true });
  ws.addEventListener('message', () => (tFirst = nowMs()), { once: true });
  await c.synced;
  const t1 = nowMs();
  const model = new ProjectDoc(c.doc);
  const list = model.commentList();
  const t2 = nowMs();
  c.destroy();
  if (list.length !== RECORDS) throw new Error(`doc-load: read ${list.length} records, expected ${RECORDS}`);
  return { openMs: tOpen - t0, firstMessageMs: tFirst - t0, syncedMs: t1 - t0, readMs: t2 - t1, totalMs: t2 - t0 };
}
const unloaded = () => waitForRealtime(server, (r) => r.loadedDocuments === 0, 'the document to be unloaded', 30_000);

const cold = await loadOnce();
await unloaded();
const warm: Run[] = [];
for (let i = 0; i < WARM_RUNS; i++) {
  warm.push(await loadOnce());
  await unloaded();
}
const holder = connectClient(server.wsUrl, projectId, owner.token);
await holder.synced;
const hot: Run[] = [];
for (let i = 0; i < HOT_RUNS; i++) hot.push(await loadOnce());
holder.destroy();
await unloaded();
await server.stop();

// The server-side load alone, on the same database, in this process (the server is stopped).
const db = openDatabase(loadConfig({ DATA_DIR: server.dataDir }).databaseUrl);
const repo = new DocLogRepository(db.kysely);
const logger = createLogger('warn');
const stored = await repo.load(projectId);
const inProcess: Array<{ loadMs: number; readLogMs: number; applyMs: number }> = [];
for (let i = 0; i < IN_PROCESS_RUNS; i++) {
  const t0 = nowMs();
  const shared = new SharedDoc(projectId, repo, { compactAfterUpdates: 500 }, logger);
  await shared.load();
  const loadMs = nowMs() - t0;
  const size = new ProjectDoc(shared.doc).comments.size;
  shared.destroy(true);
  if (size !== RECORDS) throw new Error(`doc-load: SharedDoc.load() gave ${size} records`);
  // The same, in its two parts: reading snapshot + log rows, and applying them to a fresh Y.Doc.
  const t1 = nowMs();
  const s = await repo.load(projectId);
  const t2 = nowMs();
  const doc = new Y.Doc();
  Y.transact(doc, () => {
    if (s.snapshot) Y.applyUpdate(doc, s.snapshot);
    for (const u of s.updates) Y.applyUpdate(doc, u);
  });
  const t3 = nowMs();
  doc.destroy();
  inProcess.push({ loadMs, readLogMs: t2 - t1, applyMs: t3 - t2 });
}
await db.close();

const warmTotal = stats(warm.map((r) => r.totalMs));
const hotTotal = stats(hot.map((r) => r.totalMs));
const serverLoad = stats(inProcess.slice(1).map((r) => r.loadMs));
const setup = `${RECORDS} comments written by a y-websocket client (${PER_TRANSACTION} per transaction), compacted by the server when the last client left; server restarted (node build/server.js, SQLite), then a new client in the benchmark process measures connect → synced → ProjectDoc.commentList() (every record validated through the model). Cold = first load in the restarted process; warm = ${WARM_RUNS} more, each after the server unloaded the document (loaded from the database again); hot = ${HOT_RUNS} with the document kept loaded by another client. Server-side load alone: SharedDoc.load() in this process on the same database file, ${IN_PROCESS_RUNS} runs (the first one cold).`;
const targets: TargetRow[] = [
  { metric: `${RECORDS} records load (cold)`, target: `< ${TARGET_MS} ms`, measured: fmtMs(cold.totalMs), met: cold.totalMs < TARGET_MS },
  { metric: `${RECORDS} records load (warm p50)`, target: `< ${TARGET_MS} ms`, measured: fmtMs(warmTotal.p50), met: warmTotal.p50 < TARGET_MS }
];
const r2 = (r: Run) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
const details = {
  records: RECORDS,
  encodedStateBytes: encodedV1,
  encodedStateBytesV2: encodedV2,
  snapshotBytes: stored.snapshot?.byteLength ?? 0,
  logRowsAfterSnapshot: stored.updates.length,
  writeAndConfirmMs: round(writeMs),
  cold: r2(cold),
  warm: warm.map(r2),
  hot: hot.map(r2),
  warmTotalMs: roundStats(warmTotal),
  hotTotalMs: roundStats(hotTotal),
  serverLoadInProcess: inProcess.map((r) => ({ loadMs: round(r.loadMs), readLogMs: round(r.readLogMs), applyMs: round(r.applyMs) })),
  serverLoadMsWarm: roundStats(serverLoad)
};

console.log(`\nload of a ${RECORDS}-record document — ${setup}`);
console.log(`  encoded state ${fmtBytes(encodedV1)} (${encodedV1} B; v2 encoding ${fmtBytes(encodedV2)}); stored snapshot ${fmtBytes(details.snapshotBytes)} + ${details.logRowsAfterSnapshot} log rows`);
const line = (name: string, r: Run) =>
  console.log(`  ${name.padEnd(8)} open ${fmtMs(r.openMs).padEnd(9)} first message ${fmtMs(r.firstMessageMs).padEnd(9)} synced ${fmtMs(r.syncedMs).padEnd(9)} + read all ${fmtMs(r.readMs).padEnd(9)} = ${fmtMs(r.totalMs)}`);
line('cold', cold);
warm.forEach((r, i) => line(`warm ${i + 1}`, r));
hot.forEach((r, i) => line(`hot ${i + 1}`, r));
console.log(`  server-side SharedDoc.load() in-process: first ${fmtMs(inProcess[0].loadMs)}, then p50 ${fmtMs(serverLoad.p50)} (read snapshot+log ${fmtMs(stats(inProcess.slice(1).map((r) => r.readLogMs)).p50)}, apply ${fmtMs(stats(inProcess.slice(1).map((r) => r.applyMs)).p50)})`);
printTargets(targets);

const file = writeResult({ name: 'doc-load', title: `load of a ${RECORDS}-record project document`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
process.exit(0);
