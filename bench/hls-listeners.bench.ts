// Benchmark: HLS listeners of a public channel on air, served by the web process directly and through Debian's nginx
// configured as docs/serving-listeners.md says (a caching reverse proxy: playlists 1 s, segments 60 s, private never).
// The channel is on air through the whole system (tones processed by the local worker, the rotation co-edited over
// y-websocket, the real channel.live job uploading HLS). Listeners live in 2 worker threads of the benchmark process,
// each on its own keep-alive connection, polling as hls.js does (playlist every 2 s, each new segment once); then a
// closed loop of connections fetching playlist and newest segment back to back measures what each path can serve.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, createTeam } from '../tests/helpers/api';
import { startLiveChannel } from '../tests/helpers/live-channel';
import { ClientThread } from './lib/clients';
import { deadline, fmtBytes, fmtMs, machine, nowMs, printTargets, procCpuMs, round, roundStats, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';
import { startNginx } from './lib/nginx';

// bench-backstop-seconds: 420
const LISTENERS = Number(process.env.BENCH_HLS_LISTENERS ?? 1000);
const LISTEN_SECONDS = Number(process.env.BENCH_HLS_SECONDS ?? 30);
const SATURATE_CONNECTIONS = 64;
const SATURATE_SECONDS = 10;
const THREADS = 2;

deadline('hls-listeners', 400_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-hls-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const server = await startBenchServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
console.log(`hls-listeners: server pid ${server.pid} on ${server.url}`);
const team = await createTeam(server, 'Listeners bench');
const channel = await startLiveChannel(server, team, dir, { name: 'Listeners bench' });
const nginx = await startNginx(`127.0.0.1:${server.port}`);
console.log(`hls-listeners: ${channel.slug} on air; nginx pid ${nginx.pid} on ${nginx.url} in front of it`);

const threads = Array.from({ length: THREADS }, () => new ClientThread(new URL('./lib/hls-listeners.worker.ts', import.meta.url), {}));

interface Done {
  wallMs: number;
  playlistMs: Float64Array;
  segmentMs: Float64Array;
  errors: number;
  bytes: number;
  cache: Record<string, number>;
}

/** One phase against `origin` (the web process or nginx); CPU of the web process and of nginx (master + worker). */
async function phase(name: string, origin: string, mode: 'listeners' | 'saturate', count: number, seconds: number) {
  const base = `${origin}/live/${channel.slug}`;
  const cpu = () => {
    const own = process.cpuUsage();
    return { web: procCpuMs(server.pid), nginx: nginxCpuMs(), bench: (own.user + own.system) / 1000 };
  };
  const c0 = cpu();
  const w0 = nowMs();
  const done = await Promise.all(threads.map((t, i) => t.request<Done>({ type: 'run', mode, base, count: Math.floor(count / THREADS) + (i < count % THREADS ? 1 : 0), seconds }, 'done', (seconds + 90) * 1000)));
  const wall = nowMs() - w0;
  const c1 = cpu();
  const playlist = stats(done.flatMap((d) => [...d.playlistMs]));
  const segment = stats(done.flatMap((d) => [...d.segmentMs]));
  const both = stats(done.flatMap((d) => [...d.playlistMs, ...d.segmentMs]));
  const cache: Record<string, number> = {};
  for (const d of done) for (const [k, v] of Object.entries(d.cache)) cache[k] = (cache[k] ?? 0) + v;
  const errors = done.reduce((a, d) => a + d.errors, 0);
  const result = {
    name,
    mode,
    count,
    seconds: round(wall / 1000, 1),
    requests: both.count,
    requestsPerSecond: round(both.count / (wall / 1000), 1),
    bytesPerSecond: Math.round(done.reduce((a, d) => a + d.bytes, 0) / (wall / 1000)),
    errors,
    latencyMs: { all: roundStats(both), playlist: roundStats(playlist), segment: roundStats(segment) },
    // The listeners' own threads too: on 2 shared cores the load generator can be what limits the rate.
    cpuCores: { web: round((c1.web - c0.web) / wall, 2), nginx: round((c1.nginx - c0.nginx) / wall, 2), listeners: round((c1.bench - c0.bench) / wall, 2) },
    cache,
    loadAverage: os.loadavg().map((x) => round(x, 2))
  };
  console.log(
    `  ${name}: ${result.requestsPerSecond} req/s (${fmtBytes(result.bytesPerSecond)}/s), p50 ${fmtMs(both.p50)} p99 ${fmtMs(both.p99)} max ${fmtMs(both.max)} (playlist p99 ${fmtMs(playlist.p99)}, segment p99 ${fmtMs(segment.p99)}), ${errors} errors; CPU web ${result.cpuCores.web}, nginx ${result.cpuCores.nginx}, listeners ${result.cpuCores.listeners} cores; load ${result.loadAverage.join(' ')}${Object.keys(cache).some((k) => !k.endsWith(' -')) ? `; cache ${JSON.stringify(cache)}` : ''}`
  );
  return result;
}

function nginxCpuMs(): number {
  // The master and its worker (the worker does the serving).
  let ms = 0;
  for (const pid of [nginx.pid, ...childPids(nginx.pid)]) {
    try {
      ms += procCpuMs(pid);
    } catch {
      /* gone */
    }
  }
  return ms;
}

function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

console.log(`hls-listeners: ${LISTENERS} listeners for ${LISTEN_SECONDS} s, then ${SATURATE_CONNECTIONS} connections back to back for ${SATURATE_SECONDS} s, direct then through nginx`);
const direct = await phase('direct, listeners', server.url, 'listeners', LISTENERS, LISTEN_SECONDS);
const directMax = await phase('direct, saturated', server.url, 'saturate', SATURATE_CONNECTIONS, SATURATE_SECONDS);
const proxied = await phase('nginx, listeners', nginx.url, 'listeners', LISTENERS, LISTEN_SECONDS);
const proxiedMax = await phase('nginx, saturated', nginx.url, 'saturate', SATURATE_CONNECTIONS, SATURATE_SECONDS);
await Promise.all(threads.map((t) => t.terminate()));

// What the cache keeps: a public playlist is served from it within its second; the same channel made private is not,
// not even to its member, and nobody else gets it through the cache.
const viaNginx = (p: string, token?: string) => fetch(`${nginx.url}/live/${channel.slug}/${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const publicTwice = [await viaNginx('index.m3u8'), await viaNginx('index.m3u8')].map((r) => ({ status: r.status, cacheControl: r.headers.get('cache-control'), cache: r.headers.get('x-cache-status') }));
const patched = await api(server, 'PATCH', `/api/channels/${channel.id}`, { token: team.owner.token, body: { visibility: 'private' } });
if (patched.status !== 200) throw new Error(`making the channel private answered ${patched.status}: ${JSON.stringify(patched.body)}`);
await new Promise((r) => setTimeout(r, 2100)); // the public copy's second runs out
const member = [await viaNginx('index.m3u8', team.owner.token), await viaNginx('index.m3u8', team.owner.token)].map((r) => ({ status: r.status, cacheControl: r.headers.get('cache-control'), cache: r.headers.get('x-cache-status') }));
const anonymous = await viaNginx('index.m3u8');
const privateCheck = { publicTwice, memberTwice: member, anonymousAfter: { status: anonymous.status, cache: anonymous.headers.get('x-cache-status') } };
const privacyOk = publicTwice[1].cache === 'HIT' && member.every((m) => m.status === 200 && m.cache !== 'HIT') && anonymous.status === 404;
console.log(`  cache check: public playlist ${publicTwice.map((p) => p.cache).join(' then ')}; private, member ${member.map((m) => `${m.status} ${m.cache}`).join(' then ')}; private, anonymous ${anonymous.status}${privacyOk ? '' : ' — NOT as documented'}`);

await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
await nginx.stop();
await server.stop();

const setup = `a public channel on air through the whole system (3 tones of 7 s, channel.live on the server's local worker, HLS of 2 s segments); ${LISTENERS} simulated hls.js listeners (own keep-alive connection each; playlist every 2 s, each new segment once, the last 3 on joining) for ${LISTEN_SECONDS} s, then ${SATURATE_CONNECTIONS} connections fetching playlist + newest segment back to back for ${SATURATE_SECONDS} s; clients in ${THREADS} worker threads of the benchmark process, sharing the 2 cores with the web process (and nginx); nginx = Debian's, 1 worker, the configuration block of docs/serving-listeners.md; latency = request to last byte`;
const row = (label: string, r: Awaited<ReturnType<typeof phase>>, met: boolean | null): TargetRow => ({
  metric: label,
  target: '(report)',
  measured: `${r.requestsPerSecond} req/s, p99 ${fmtMs(r.latencyMs.all.p99)}, ${r.errors} errors`,
  met
});
const targets: TargetRow[] = [
  row(`HLS ${LISTENERS} listeners, web process`, direct, direct.errors === 0 ? null : false),
  row(`HLS ${LISTENERS} listeners, through nginx`, proxied, proxied.errors === 0 ? null : false),
  row(`HLS saturated (${SATURATE_CONNECTIONS} conns), web process`, directMax, null),
  row(`HLS saturated (${SATURATE_CONNECTIONS} conns), through nginx`, proxiedMax, null),
  { metric: 'nginx caches public, never private', target: 'as docs/serving-listeners.md', measured: privacyOk ? 'yes' : JSON.stringify(privateCheck), met: privacyOk }
];
printTargets(targets);
const file = writeResult({
  name: 'hls-listeners',
  title: `HLS listeners: ${LISTENERS} on the web process and through nginx`,
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup,
  targets,
  details: { phases: [direct, directMax, proxied, proxiedMax], cacheCheck: privateCheck }
});
console.log(`  results: ${file}`);
process.exit(privacyOk ? 0 : 1);
