// A thread of y-websocket client pairs for bench/cluster.bench.ts. Both clients of a pair live in this thread (one
// clock for sender and receiver) and may dial different web processes. `paced`: each client inserts a marker into
// the notes every `periodMs`, its partner records how long it took to arrive. `bounce`: `balls` markers per pair
// go back and forth, each answered as soon as it arrives, so the load grows until the servers are the bottleneck.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { userOrigin } from '../../src/lib/editor/model/origin';
import { connectClient, type YClient } from './clients';

export interface PairSpec {
  projectId: string;
  token: string;
  userId: string;
  /** Where each of the two clients dials. */
  wsUrls: [string, string];
  /** Groups the latency samples, e.g. `same` / `cross` process. */
  label: string;
}

const port = parentPort!;
process.setMaxListeners(0); // y-websocket adds an exit listener per provider

interface Side {
  client: YClient;
  pair: number;
  partner?: Side;
  origin: ReturnType<typeof userOrigin>;
  sent: number;
}

let sides: Side[] = [];
let labels: string[] = [];
let bouncing = false;
let recording = false;
const latency = new Map<string, number[]>();
let delivered = 0;
const MARKER = /<(\d+\.\d+)>/g;

function edit(s: Side) {
  s.sent++;
  const text = s.client.doc.getText('notes');
  s.client.doc.transact(() => text.insert(text.length, `<${performance.now().toFixed(3)}>`), s.origin);
}

function connect(pairs: PairSpec[]): Promise<unknown> {
  labels = pairs.map((p) => p.label);
  sides = [];
  pairs.forEach((p, i) => {
    const [a, b] = p.wsUrls.map((url): Side => ({ client: connectClient(url, p.projectId, p.token), pair: i, origin: userOrigin(p.userId), sent: 0 }));
    a.partner = b;
    b.partner = a;
    sides.push(a, b);
  });
  for (const s of sides) {
    s.client.doc.getText('notes').observe((e, tr) => {
      if (tr.local) return;
      const t = performance.now();
      for (const op of e.delta) {
        if (typeof op.insert !== 'string') continue;
        for (const m of op.insert.matchAll(MARKER)) {
          if (recording) {
            delivered++;
            const list = latency.get(labels[s.pair]) ?? [];
            list.push(t - Number(m[1]));
            latency.set(labels[s.pair], list);
          }
          if (bouncing) queueMicrotask(() => edit(s));
        }
      }
    });
  }
  return Promise.all(sides.map((s) => s.client.synced));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(msg: { mode: 'paced' | 'bounce'; warmupMs: number; durationMs: number; periodMs: number; balls: number; drainMs: number }) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  latency.clear();
  delivered = 0;
  const timers: NodeJS.Timeout[] = [];
  if (msg.mode === 'paced') {
    sides.forEach((s, i) => {
      const start = setTimeout(() => timers.push(setInterval(() => edit(s), msg.periodMs)), (i / sides.length) * msg.periodMs);
      timers.push(start);
    });
  } else {
    bouncing = true;
    for (const [i, s] of sides.entries()) for (let k = 0; k < msg.balls / 2 + (i % 2 === 0 ? msg.balls % 2 : 0); k++) edit(s);
  }
  await sleep(msg.warmupMs);
  const sentBefore = sides.reduce((n, s) => n + s.sent, 0);
  recording = true;
  loop.enable();
  const t0 = performance.now();
  await sleep(msg.durationMs);
  const seconds = (performance.now() - t0) / 1000;
  recording = false;
  loop.disable();
  const sent = sides.reduce((n, s) => n + s.sent, 0) - sentBefore;
  bouncing = false;
  for (const t of timers) clearTimeout(t);
  await sleep(msg.drainMs);
  port.postMessage({
    type: 'result',
    seconds,
    sent,
    delivered,
    latency: Object.fromEntries([...latency].map(([k, v]) => [k, Float64Array.from(v)])),
    loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6 }
  });
}

port.on('message', async (msg: any) => {
  switch (msg.type) {
    case 'connect':
      await connect(msg.pairs);
      port.postMessage({ type: 'connected' });
      break;
    case 'run':
      await run(msg);
      break;
    case 'close':
      for (const s of sides) s.client.destroy();
      sides = [];
      port.postMessage({ type: 'closed' });
      break;
  }
});
