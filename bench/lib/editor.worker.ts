// A thread of editors for bench/edit-latency.bench.ts: each client edits on a fixed schedule (notes text with an
// embedded sender/sequence/timestamp marker, or a comment field holding the same marker) and records, for every
// marker it receives from another client, how long after the sender's edit it arrived.
import { createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import * as Y from 'yjs';
import { newComment } from '../../src/lib/editor/model/comment';
import { userOrigin } from '../../src/lib/editor/model/origin';
import { ProjectDoc } from '../../src/lib/editor/model/project-doc';
import { connectClient, presenceUser, waitFor, type ClientSpec, type YClient } from './clients';

const { wsUrl, clients: specs } = workerData as { wsUrl: string; clients: ClientSpec[] };
const port = parentPort!;
process.setMaxListeners(0); // y-websocket adds an exit listener per provider

/** This thread's clock, corrected to the main thread's (see the 'clock' message). */
let clockOffset = 0;
const now = () => performance.timeOrigin + performance.now() - clockOffset;

const MARKER = /<(\d+):(\d+):(\d+\.\d+)>/g;
const KIND_NOTES = 0;
const KIND_COMMENT = 1;

interface Editor {
  spec: ClientSpec;
  client: YClient;
  model: ProjectDoc;
  commentId: string;
  sent: number;
}

const editors: Editor[] = [];
// Samples, one per (edit, receiving client): latency, sender index, kind.
const latency: number[] = [];
const sender: number[] = [];
const kind: number[] = [];
let recording = false;

function record(text: string, k: number) {
  if (!recording) return;
  const t = now();
  for (const m of text.matchAll(MARKER)) {
    latency.push(t - Number(m[3]));
    sender.push(Number(m[1]));
    kind.push(k);
  }
}

async function init() {
  for (const spec of specs) {
    const client = connectClient(wsUrl, spec.projectId, spec.token);
    const model = new ProjectDoc(client.doc);
    model.notes.observe((e, tr) => {
      if (tr.local) return;
      for (const op of e.delta) if (typeof op.insert === 'string') record(op.insert, KIND_NOTES);
    });
    model.comments.ymap.observeDeep((events, tr) => {
      if (tr.local) return;
      for (const ev of events) {
        if (ev.target === model.comments.ymap || !(ev as Y.YMapEvent<unknown>).keysChanged.has('body')) continue;
        const body = (ev.target as Y.Map<unknown>).get('body');
        if (typeof body === 'string') record(body, KIND_COMMENT);
      }
    });
    editors.push({ spec, client, model, commentId: '', sent: 0 });
  }
  await Promise.all(editors.map((e) => e.client.synced));
  for (const e of editors) {
    e.client.provider.awareness.setLocalStateField('user', presenceUser(e.spec));
    const c = newComment({ authorId: e.spec.userId, authorName: e.spec.username, body: `comment of ${e.spec.username}` });
    e.model.transact(userOrigin(e.spec.userId), (d) => d.comments.insert(c));
    e.commentId = c.id;
  }
}

function edit(e: Editor) {
  const seq = e.sent++;
  const ts = now();
  const marker = `<${e.spec.index}:${seq}:${ts.toFixed(3)}>`;
  const origin = userOrigin(e.spec.userId);
  if (seq % 2 === 0) {
    e.model.transact(origin, (d) => d.notes.insert(Math.floor(Math.random() * (d.notes.length + 1)), marker));
  } else {
    e.model.transact(origin, (d) => d.comments.update(e.commentId, { body: marker }));
  }
}

/** Every editor edits every `periodMs` from `startAt + index * staggerMs` until `endAt` (main-thread clock). */
function run(startAt: number, endAt: number, periodMs: number, staggerMs: number): Promise<void> {
  return new Promise((resolve) => {
    let active = editors.length;
    for (const e of editors) {
      let k = 0;
      const tick = () => {
        const due = startAt + e.spec.index * staggerMs + k * periodMs;
        if (due >= endAt) {
          if (--active === 0) resolve();
          return;
        }
        if (now() >= due) {
          edit(e);
          k++;
          setImmediate(tick);
        } else setTimeout(tick, Math.max(0, due - now()));
      };
      tick();
    }
  });
}

function digest(): string[] {
  return editors.map((e) =>
    createHash('sha256')
      .update(e.model.notes.toString())
      .update(JSON.stringify(e.model.commentList()))
      .digest('hex')
      .slice(0, 16)
  );
}

port.on('message', async (msg: any) => {
  switch (msg.type) {
    case 'init':
      await init();
      port.postMessage({ type: 'ready' });
      break;
    case 'ping':
      port.postMessage({ type: 'pong', id: msg.id, t: performance.timeOrigin + performance.now() });
      break;
    case 'clock':
      clockOffset = msg.offset;
      port.postMessage({ type: 'clock-set' });
      break;
    case 'wait-comments':
      await waitFor(() => editors.every((e) => e.model.comments.size >= msg.count && e.client.provider.awareness.getStates().size >= msg.count), `every editor to see ${msg.count} comments and presences`, 20_000);
      port.postMessage({ type: 'comments-seen' });
      break;
    case 'run': {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      latency.length = sender.length = kind.length = 0;
      const sentBefore = editors.map((e) => e.sent);
      recording = true;
      loop.enable();
      await run(msg.startAt, msg.endAt, msg.periodMs, msg.staggerMs);
      loop.disable();
      // Let the last edits arrive everywhere, then stop recording.
      await new Promise((r) => setTimeout(r, msg.drainMs));
      recording = false;
      port.postMessage({
        type: 'samples',
        latency: Float64Array.from(latency),
        sender: Int32Array.from(sender),
        kind: Uint8Array.from(kind),
        sent: editors.map((e, i) => ({ index: e.spec.index, sent: e.sent - sentBefore[i] })),
        loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        digests: digest()
      });
      break;
    }
    case 'close':
      for (const e of editors) e.client.destroy();
      port.postMessage({ type: 'closed' });
      break;
  }
});
