// A thread of light chat listeners for bench/chat.bench.ts. Each listener is a protocol-faithful Engine.IO v4 /
// Socket.IO v5 client written directly on the `ws` package (what socket.io-client does over its websocket transport,
// minus the generality): open `/socket.io/?EIO=4&transport=websocket`, read the open packet `0{…}`, connect to the
// namespace with `40/chat,`, join with `42/chat,<ackId>["chat:join",{…}]` and read its ack `43/chat,<ackId>[…]`,
// answer every ping `2` with a pong `3`. Each `42/chat,["chat:messages",[{…},…]]` frame is timed with a regex on the
// raw text (each body "<id> <sent at>" and the server's `at`) instead of a full JSON parse: the point is that 1,000
// listeners cost the load generator little, so the benchmark measures the server and not its own decoding. The same
// request/reply protocol as chat.worker.ts (init, count, collect, close).
import { parentPort, workerData } from 'node:worker_threads';
import { mapLimit } from './common';
import WebSocket from 'ws';

const nowMs = () => performance.timeOrigin + performance.now();

const { url, slug, clients, concurrency, messages } = workerData as { url: string; slug: string; clients: number; concurrency: number; messages: number };
const port = parentPort!;
const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;

const sockets: WebSocket[] = [];
let latencies = new Float64Array(clients * messages);
let fromServer = new Float64Array(clients * messages);
let received = 0;
const perMessage = new Uint32Array(messages);
let foreign = 0;
let unexpected = 0;

const NSP = '/chat,';
const MESSAGE_PREFIX = '42/chat,["chat:messages",';
// The server's message view is {id, name, role, body, at} (toMessageView); bench bodies are "<id> <sent at, ms>".
const MESSAGE_FIELDS = /"body":"(\d+) ([\d.]+)","at":"([^"]+)"/g;

function onChatMessages(frame: string, at: number) {
  let found = 0;
  for (const m of frame.matchAll(MESSAGE_FIELDS)) {
    found++;
    const id = Number(m[1]);
    if (!(id >= 0 && id < messages)) {
      foreign++;
      continue;
    }
    perMessage[id]++;
    if (received < latencies.length) {
      fromServer[received] = at - Date.parse(m[3]);
      latencies[received++] = at - Number(m[2]);
    }
  }
  if (!found) foreign++;
}

function connect(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    sockets.push(ws);
    let state: 'open' | 'connecting' | 'joining' | 'joined' = 'open';
    const fail = (why: string) => {
      reject(new Error(`light client: ${why}`));
      ws.terminate();
    };
    const timer = setTimeout(() => fail(`not joined within 60 s (state ${state})`), 60_000);
    ws.on('error', (e) => fail(e.message));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = nowMs();
      if (isBinary) return void unexpected++;
      const frame = data.toString();
      if (state === 'joined') {
        // The hot path: fan-out messages, then pings.
        if (frame.startsWith(MESSAGE_PREFIX)) return onChatMessages(frame, at);
        if (frame === '2') return ws.send('3');
        return void unexpected++;
      }
      if (frame === '2') return ws.send('3');
      if (state === 'open') {
        if (frame[0] !== '0') return fail(`expected the open packet, got ${frame.slice(0, 80)}`);
        state = 'connecting';
        ws.send(`40${NSP}`);
      } else if (state === 'connecting') {
        if (!frame.startsWith(`40${NSP}`)) return fail(`namespace connect refused: ${frame.slice(0, 200)}`);
        state = 'joining';
        ws.send(`42${NSP}0${JSON.stringify(['chat:join', { slug }])}`);
      } else if (state === 'joining') {
        if (!frame.startsWith(`43${NSP}0`)) return; // e.g. a message broadcast before the ack: not counted (joins end before sending)
        const [r] = JSON.parse(frame.slice(`43${NSP}0`.length)) as [{ ok: boolean }];
        if (!r.ok) return fail(`chat:join refused: ${frame.slice(0, 200)}`);
        state = 'joined';
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

port.on('message', async (msg: { type: string }) => {
  if (msg.type === 'init') {
    const t0 = performance.now();
    await mapLimit(Array.from({ length: clients }), concurrency, () => connect());
    port.postMessage({ type: 'ready', connectMs: performance.now() - t0, connected: sockets.filter((s) => s.readyState === WebSocket.OPEN).length });
  }
  if (msg.type === 'count') port.postMessage({ type: 'count', received, connected: sockets.filter((s) => s.readyState === WebSocket.OPEN).length });
  if (msg.type === 'collect') {
    const out = latencies.slice(0, received);
    const down = fromServer.slice(0, received);
    port.postMessage({ type: 'collect', latencies: out, fromServer: down, perMessage, foreign, unexpected }, [out.buffer, down.buffer]);
    latencies = new Float64Array(0);
    fromServer = new Float64Array(0);
  }
  if (msg.type === 'close') {
    for (const s of sockets.splice(0)) s.close();
    port.postMessage({ type: 'closed' });
  }
});
