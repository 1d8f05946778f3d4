// A thread of chat listeners for bench/chat.bench.ts: each client is a real socket.io connection to /chat that joins
// the channel as a guest and times every message it receives; a few of them also send.
import { parentPort, workerData } from 'node:worker_threads';
import { mapLimit } from './common';
import type { Socket } from 'socket.io-client';
import { joinedChatGuest } from './chat-guest';

// As in common.ts (not imported here: it manages server processes, which a client thread has no business with).
const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const { url, slug, clients, concurrency, messages } = workerData as { url: string; slug: string; clients: number; concurrency: number; messages: number };
const port = parentPort!;

const sockets: Socket[] = [];
/** Delivery latencies in ms, appended as messages arrive. */
let latencies = new Float64Array(clients * messages);
/** The same deliveries from the server's timestamp (the message's `at`, when it handled chat:send) to arrival. */
let fromServer = new Float64Array(clients * messages);
let received = 0;
/** Deliveries per message id: every client should get every message once. */
const perMessage = new Uint32Array(messages);
let foreign = 0;

async function connect(): Promise<void> {
  const s = await joinedChatGuest(url, slug);
  sockets.push(s);
  s.on('chat:messages', (batch: { body: string; at: string }[]) => {
    const at = nowMs();
    for (const m of batch) {
      // Bodies are "<id> <sent at, ms>" (see send below).
      const [id, sentAt] = m.body.split(' ').map(Number);
      if (!(id >= 0 && id < messages)) {
        foreign++;
        continue;
      }
      perMessage[id]++;
      if (received < latencies.length) {
        fromServer[received] = at - Date.parse(m.at);
        latencies[received++] = at - sentAt;
      }
    }
  });
}

/** Sends the given message ids at their times (ms since the epoch), round-robin over the first `senders` sockets. */
async function send(plan: Array<{ id: number; at: number }>, senders: number) {
  const refused: Record<string, number> = {};
  let acked = 0;
  let lateMs = 0;
  const pending: Promise<void>[] = [];
  for (const [i, m] of plan.entries()) {
    const wait = m.at - nowMs();
    if (wait > 1) await sleep(wait);
    lateMs = Math.max(lateMs, nowMs() - m.at);
    const s = sockets[i % senders];
    pending.push(
      s
        .timeout(30_000)
        .emitWithAck('chat:send', { body: `${m.id} ${nowMs()}` })
        .then((r: { ok: boolean; error?: { code: string } }) => {
          if (r.ok) acked++;
          else refused[r.error!.code] = (refused[r.error!.code] ?? 0) + 1;
        })
        .catch(() => void (refused['no ack within 30 s'] = (refused['no ack within 30 s'] ?? 0) + 1))
    );
  }
  await Promise.all(pending);
  return { acked, refused, maxSendLateMs: lateMs };
}

port.on('message', async (msg: { type: string; plan?: Array<{ id: number; at: number }>; senders?: number }) => {
  // A failure throws out of here: the thread's 'error' event fails the request waiting on it.
  if (msg.type === 'init') {
    const t0 = performance.now();
    await mapLimit(Array.from({ length: clients }), concurrency, () => connect());
    port.postMessage({ type: 'ready', connectMs: performance.now() - t0, connected: sockets.filter((s) => s.connected).length });
  }
  if (msg.type === 'send') port.postMessage({ type: 'sent', ...(await send(msg.plan!, msg.senders!)) });
  if (msg.type === 'count') port.postMessage({ type: 'count', received, connected: sockets.filter((s) => s.connected).length });
  if (msg.type === 'collect') {
    const out = latencies.slice(0, received);
    const down = fromServer.slice(0, received);
    port.postMessage({ type: 'collect', latencies: out, fromServer: down, perMessage, foreign }, [out.buffer, down.buffer]);
    latencies = new Float64Array(0);
    fromServer = new Float64Array(0);
  }
  if (msg.type === 'close') {
    for (const s of sockets.splice(0)) s.disconnect();
    port.postMessage({ type: 'closed' });
  }
});
