// A thread of HLS listeners for bench/hls-listeners.bench.ts, each on its own keep-alive connection as a player is.
//   listeners: each fetches the playlist every 2 s (hls.js's reload interval for 2 s segments) and each segment it has
//              not fetched yet once; on joining, the last three (hls.js starts three segments behind the live edge).
//   saturate:  each connection fetches the playlist and its newest segment back to back as fast as answers come.
import http from 'node:http';
import { parentPort } from 'node:worker_threads';
import { parseMediaPlaylist } from './hls';

const port = parentPort!;
const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Fetched {
  status: number;
  body: Buffer;
  ms: number;
  cache: string;
}

function get(agent: http.Agent, url: string): Promise<Fetched> {
  const t = nowMs();
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: nowMs() - t, cache: String(res.headers['x-cache-status'] ?? '-') }));
      res.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: nowMs() - t, cache: '-' }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: nowMs() - t, cache: '-' }));
  });
}

class Tally {
  playlistMs: number[] = [];
  segmentMs: number[] = [];
  errors = 0;
  bytes = 0;
  cache: Record<string, number> = {};
  note(kind: 'playlist' | 'segment', r: Fetched) {
    if (r.status !== 200) return void this.errors++;
    (kind === 'playlist' ? this.playlistMs : this.segmentMs).push(r.ms);
    this.bytes += r.body.length;
    this.cache[`${kind} ${r.cache}`] = (this.cache[`${kind} ${r.cache}`] ?? 0) + 1;
  }
}

async function listener(base: string, until: number, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const fetched = new Set<string>();
  await sleep(Math.random() * 2000); // players join at any moment, not in step
  while (nowMs() < until) {
    const t = nowMs();
    const p = await get(agent, `${base}/index.m3u8`);
    tally.note('playlist', p);
    if (p.status === 200) {
      const names = parseMediaPlaylist(p.body.toString('utf8')).segments.map((s) => s.name);
      for (const name of fetched.size ? names : names.slice(-3)) {
        if (fetched.has(name) || nowMs() >= until) continue;
        fetched.add(name);
        tally.note('segment', await get(agent, `${base}/${name}`));
      }
    }
    await sleep(2000 - (nowMs() - t));
  }
  agent.destroy();
}

async function saturate(base: string, until: number, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  while (nowMs() < until) {
    const p = await get(agent, `${base}/index.m3u8`);
    tally.note('playlist', p);
    const last = p.status === 200 ? parseMediaPlaylist(p.body.toString('utf8')).segments.at(-1) : undefined;
    if (last && nowMs() < until) tally.note('segment', await get(agent, `${base}/${last.name}`));
  }
  agent.destroy();
}

port.on('message', async (msg: { type: 'run'; mode: 'listeners' | 'saturate'; base: string; count: number; seconds: number }) => {
  const tally = new Tally();
  const t0 = nowMs();
  const until = t0 + msg.seconds * 1000;
  await Promise.all(Array.from({ length: msg.count }, () => (msg.mode === 'listeners' ? listener : saturate)(msg.base, until, tally)));
  const playlistMs = Float64Array.from(tally.playlistMs);
  const segmentMs = Float64Array.from(tally.segmentMs);
  port.postMessage({ type: 'done', wallMs: nowMs() - t0, playlistMs, segmentMs, errors: tally.errors, bytes: tally.bytes, cache: tally.cache }, [playlistMs.buffer, segmentMs.buffer]);
});
