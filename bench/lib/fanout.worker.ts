// A thread of chat listeners for bench/chat-fanout.bench.ts: real socket.io-client connections to one web process's
// /chat, joined as guests; for every message id it keeps how many of its clients got it and when the last one did.
import { parentPort, workerData } from 'node:worker_threads';
import { mapLimit } from './common';
import type { Socket } from 'socket.io-client';
import { joinedChatGuest } from './chat-guest';

// As in chat.worker.ts: one clock (the epoch in ms) for every thread of the benchmark process.
const nowMs = () => performance.timeOrigin + performance.now();

const { url, slug, clients, concurrency, messages } = workerData as { url: string; slug: string; clients: number; concurrency: number; messages: number };
const port = parentPort!;
const sockets: Socket[] = [];
const deliveries = new Uint32Array(messages);
const lastAt = new Float64Array(messages);

async function connect(): Promise<void> {
  const s = await joinedChatGuest(url, slug);
  sockets.push(s);
  s.on('chat:messages', (batch: { body: string }[]) => {
    const at = nowMs();
    for (const m of batch) {
      // Bodies are "fanout <id>" (see the benchmark's sender).
      const id = Number(m.body.split(' ')[1]);
      if (!(id >= 0 && id < messages)) continue;
      deliveries[id]++;
      lastAt[id] = Math.max(lastAt[id], at);
    }
  });
}

port.on('message', async (msg: { type: string }) => {
  if (msg.type === 'init') {
    const t0 = performance.now();
    await mapLimit(Array.from({ length: clients }), concurrency, () => connect());
    port.postMessage({ type: 'ready', connectMs: performance.now() - t0, connected: sockets.filter((s) => s.connected).length });
  }
  if (msg.type === 'collect') port.postMessage({ type: 'collect', deliveries: Array.from(deliveries), lastAt: Array.from(lastAt) });
  if (msg.type === 'close') {
    for (const s of sockets.splice(0)) s.disconnect();
    port.postMessage({ type: 'closed' });
  }
});
