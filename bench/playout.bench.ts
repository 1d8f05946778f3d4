// Benchmark: playout accuracy of the live output over a long run (default one hour: `--minutes N` or
// BENCH_PLAYOUT_MINUTES to change it).
// A public channel airs a sequential rotation of tones of distinct pitches and lengths (uploaded and processed by the
// server's local worker, the rotation co-edited over y-websocket, aired by the real `channel.live` job). The benchmark
// listens as a player would: it polls the HLS playlist every 250 ms and fetches each new segment once, and it polls
// now-playing for each aired item's planned start. Afterwards it finds each item's start in the recorded audio (the
// new pitch reaching half its level), timed by the segments' EXT-X-PROGRAM-DATE-TIME, and compares it with the plan:
// error = heard start − planned start; drift = how that error changed since the first item. It also tracks the
// output's lag against real time: when a segment first appeared in the playlist − its program date time end.
// scripts/bench.sh's backstop for it (an hour of air, setup and analysis; longer runs: run this file directly):
// bench-backstop-seconds: 4500
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AssetJson } from '../src/lib/asset';
import type { NowPlayingView } from '../src/lib/live';
import { api, createTeam } from '../tests/helpers/api';
import { airAsRotation } from '../tests/helpers/live-channel';
import { ffmpeg, sine } from '../tests/helpers/media';
import { uploadProcessed } from '../tests/helpers/studio';
import { waitFor } from '../tests/helpers/yclient';
import { deadline, fmtMs, machine, nowMs, printTargets, round, sleep, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';
import { continuousRuns, parseMediaPlaylist, type HlsSegment } from './lib/hls';
import { toneOnset } from './lib/tone-onset';

const argMinutes = process.argv.indexOf('--minutes');
const MINUTES = Number(argMinutes >= 0 ? process.argv[argMinutes + 1] : (process.env.BENCH_PLAYOUT_MINUTES ?? 60));
if (!(MINUTES > 0)) throw new Error('--minutes takes a positive number');
// Pitches 200 Hz apart (the 10 ms analysis window tells them apart), lengths that are not multiples of a segment.
const TONES = [
  { hz: 500, seconds: 17 },
  { hz: 700, seconds: 23 },
  { hz: 900, seconds: 19 },
  { hz: 1100, seconds: 29 },
  { hz: 1300, seconds: 21 },
  { hz: 1500, seconds: 25 }
];
const POLL_MS = 250;
const NOW_PLAYING_MS = 2000;
const RATE = 16_000;
/** Audio decoded around each planned start: an onset further off than this is counted as not found. */
const SEARCH_MS = 6000;

deadline('playout', (MINUTES * 60 + 600) * 1000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-playout-'));
const segDir = path.join(dir, 'segments');
fs.mkdirSync(segDir);
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const server = await startBenchServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
console.log(`playout: server pid ${server.pid} on ${server.url}; ${MINUTES} min of air`);
const team = await createTeam(server, 'Playout bench');
const assets: AssetJson[] = [];
for (const t of TONES) {
  const file = path.join(dir, `tone-${t.hz}.wav`);
  await ffmpeg(...sine(t.seconds, t.hz), file);
  assets.push(await uploadProcessed(server, team.projectId, team.editor, file));
}
const pitchOf = new Map(assets.map((a, i) => [a.id, TONES[i].hz]));
console.log(`playout: ${assets.length} tones processed (${assets.map((a) => `${pitchOf.get(a.id)} Hz ${a.duration?.toFixed(3)} s`).join(', ')})`);

const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Playout bench', crossfadeSeconds: 0, visibility: 'public' } });
if (created.status !== 201) throw new Error(`channel create answered ${created.status}: ${JSON.stringify(created.body)}`);
const channel = created.body as { id: string; slug: string };
await airAsRotation(server, team, assets, 'Tones');
const start = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
if (start.status !== 202) throw new Error(`live start answered ${start.status}: ${JSON.stringify(start.body)}`);
const playlistUrl = `${server.url}/live/${channel.slug}/index.m3u8`;
await waitFor(async () => (await fetch(playlistUrl).then((r) => r.text())).includes('#EXTINF'), 'the HLS playlist is served', 90_000);
console.log(`playout: on air at ${playlistUrl}; listening for ${MINUTES} min`);

interface Heard extends HlsSegment {
  /** Wall-clock ms when a playlist first listed it. */
  availableAt: number;
  /** Listed by the first playlist read: it appeared before the benchmark looked, so its availableAt says nothing. */
  initial: boolean;
  file: string;
}
const heard = new Map<number, Heard>();
const planned = new Map<string, { start: number; assetId: string; duration: number }>();
const errors = { playlist: 0, segment: 0, nowPlaying: 0 };
let polls = 0;
const listenUntil = Date.now() + MINUTES * 60_000;

async function listen(): Promise<void> {
  while (Date.now() < listenUntil) {
    const t = Date.now();
    try {
      const r = await fetch(playlistUrl);
      const seenAt = nowMs();
      if (r.status !== 200) throw new Error(`playlist answered ${r.status}`);
      polls++;
      for (const s of parseMediaPlaylist(await r.text()).segments) {
        if (heard.has(s.seq)) continue;
        const file = path.join(segDir, `${s.seq}.ts`);
        heard.set(s.seq, { ...s, availableAt: seenAt, initial: polls === 1, file });
        void fetch(`${server.url}/live/${channel.slug}/${s.name}`)
          .then(async (res) => {
            if (res.status !== 200) throw new Error(`segment answered ${res.status}`);
            fs.writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
          })
          .catch(() => errors.segment++);
      }
    } catch {
      errors.playlist++;
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - t)));
  }
}

async function followPlan(): Promise<void> {
  while (Date.now() < listenUntil) {
    try {
      const v = (await api<NowPlayingView>(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`)).body;
      const n = v.now;
      if (n?.assetId && pitchOf.has(n.assetId)) planned.set(`${n.startedAt}:${n.assetId}`, { start: n.startedAt, assetId: n.assetId, duration: n.duration });
    } catch {
      errors.nowPlaying++;
    }
    await sleep(NOW_PLAYING_MS);
  }
}

const progress = setInterval(() => {
  const segs = [...heard.values()];
  const last = segs.at(-1);
  const lag = last ? last.availableAt - (last.pdt + last.duration * 1000) : NaN;
  console.log(`playout: ${round((Date.now() - (listenUntil - MINUTES * 60_000)) / 60_000, 1)} min, ${segs.length} segments, ${planned.size} items aired, last lag ${fmtMs(lag)}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}, 60_000);
await Promise.all([listen(), followPlan()]);
clearInterval(progress);
await sleep(1000); // the last segment fetches land
const status = (await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.editor.token })).body as { state: string; health: unknown };
await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
await server.stop();

// ---- analysis ----

const segments = [...heard.values()].filter((s) => fs.existsSync(s.file)).sort((a, b) => a.seq - b.seq);
const runs = continuousRuns(segments);
const seqs = [...heard.keys()].sort((a, b) => a - b);
const missedSegments = seqs.length ? seqs.at(-1)! - seqs[0] + 1 - segments.length : 0;

function decode(files: string[]): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const p = execFile('ffmpeg', ['-v', 'error', '-f', 'mpegts', '-i', 'pipe:0', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 28 }, (err, stdout) => {
      if (err) return reject(err);
      const b = stdout as Buffer;
      resolve(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.byteLength & ~3))));
    });
    for (const f of files) p.stdin!.write(fs.readFileSync(f));
    p.stdin!.end();
  });
}

const items = [...planned.values()].sort((a, b) => a.start - b.start);
interface Measured {
  start: number;
  hz: number;
  heardAt: number;
  errorMs: number;
}
const measured: Measured[] = [];
const notFound: Array<{ start: number; hz: number; why: string }> = [];
for (const item of items) {
  const hz = pitchOf.get(item.assetId)!;
  const from = item.start - SEARCH_MS;
  const to = item.start + SEARCH_MS;
  // The continuous run that covers the whole search span, and just the segments of it that overlap the span.
  const run = runs.find((r) => r[0].pdt <= from && r.at(-1)!.pdt + r.at(-1)!.duration * 1000 >= to);
  if (!run) {
    notFound.push({ start: item.start, hz, why: 'its audio was not all recorded (start or end of the run, a missed segment or an encoder restart)' });
    continue;
  }
  const span = run.filter((s) => s.pdt + s.duration * 1000 > from && s.pdt < to);
  const pcm = await decode(span.map((s) => s.file));
  const at = toneOnset(pcm, RATE, hz);
  if (at === null) {
    notFound.push({ start: item.start, hz, why: `no onset of ${hz} Hz within ±${SEARCH_MS / 1000} s` });
    continue;
  }
  const heardAt = span[0].pdt + at * 1000;
  measured.push({ start: item.start, hz, heardAt, errorMs: heardAt - item.start });
}

if (!measured.length) console.error(`playout: no item start was found in the audio (${items.length} aired, ${segments.length} segments recorded)`);
const drift = measured.map((m) => m.errorMs - measured[0].errorMs);
const errorStats = stats(measured.map((m) => m.errorMs));
const absError = stats(measured.map((m) => Math.abs(m.errorMs)));
const absDrift = stats(drift.map(Math.abs));
/** Least-squares slope of y over x, per hour of x (ms). */
function slopePerHour(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 3_600_000;
}
const errorTrend = slopePerHour(measured.map((m) => m.start), measured.map((m) => m.errorMs));

const lags = segments.filter((s) => !s.initial).map((s) => ({ at: s.pdt, lag: s.availableAt - (s.pdt + s.duration * 1000) }));
// The program date times are the encoder's clock (started when it got its first audio), offset from the plan's by
// the median error: the same lag against the plan's clock says when listeners could hear what the plan put there.
const pdtOffset = stats(measured.map((m) => m.errorMs)).p50;
const planLag = (l: { lag: number }) => l.lag + (Number.isFinite(pdtOffset) ? pdtOffset : NaN);
const tenth = Math.max(1, Math.floor(lags.length / 10));
const lagStart = stats(lags.slice(0, tenth).map((l) => l.lag));
const lagEnd = stats(lags.slice(-tenth).map((l) => l.lag));
const lagTrend = slopePerHour(lags.map((l) => l.at), lags.map((l) => l.lag));
const planLagStart = stats(lags.slice(0, tenth).map(planLag));
const planLagEnd = stats(lags.slice(-tenth).map(planLag));
const airedMinutes = segments.length ? (segments.at(-1)!.pdt + segments.at(-1)!.duration * 1000 - segments[0].pdt) / 60_000 : 0;

const setup = `a public channel (crossfade 0) airing a sequential rotation of ${TONES.length} tones (${TONES.map((t) => `${t.hz} Hz/${t.seconds} s`).join(', ')}; WAV uploads processed into broadcast copies by the server's local worker), aired by the real channel.live job for ${MINUTES} min; the benchmark polls the HLS playlist every ${POLL_MS} ms, fetches each segment once, polls now-playing every ${NOW_PLAYING_MS / 1000} s for each item's planned start, then finds each start in the audio (half-level crossing of the new pitch, 10 ms Goertzel windows at ${RATE / 1000} kHz, timed by EXT-X-PROGRAM-DATE-TIME). error = heard − planned start; drift = error − the first item's error; lag = first listed in the playlist − segment's PDT end`;
const targets: TargetRow[] = [
  { metric: `item start drift over ${MINUTES} min, p50/p95/max |drift|`, target: '(report)', measured: `${fmtMs(absDrift.p50)} / ${fmtMs(absDrift.p95)} / ${fmtMs(absDrift.max)} (${measured.length} items)`, met: null },
  { metric: 'item start error vs plan (PDT timeline), p50/p95/max |error|', target: '(report)', measured: `${fmtMs(absError.p50)} / ${fmtMs(absError.p95)} / ${fmtMs(absError.max)}`, met: null },
  { metric: 'output lag vs wall clock, first → last tenth (p50)', target: '(report)', measured: `${fmtMs(lagStart.p50)} → ${fmtMs(lagEnd.p50)} (trend ${round(lagTrend, 1)} ms/h)`, met: null }
];
const details = {
  minutes: MINUTES,
  airedMinutes: round(airedMinutes, 2),
  segments: { heard: heard.size, recorded: segments.length, missed: missedSegments, continuousRuns: runs.length, playlistPolls: polls },
  items: { aired: items.length, measured: measured.length, notFound },
  errorMs: errorStats,
  absErrorMs: absError,
  absDriftMs: absDrift,
  errorTrendMsPerHour: round(errorTrend, 2),
  lagMs: { firstTenth: lagStart, lastTenth: lagEnd, trendMsPerHour: round(lagTrend, 2), all: stats(lags.map((l) => l.lag)) },
  pdtOffsetFromPlanMs: pdtOffset,
  lagBehindPlanClockMs: { firstTenth: planLagStart, lastTenth: planLagEnd },
  fetchErrors: errors,
  liveStatusAtEnd: status,
  perItem: measured.map((m) => ({ start: new Date(m.start).toISOString(), hz: m.hz, errorMs: round(m.errorMs, 1) }))
};

console.log(`\nplayout accuracy — ${setup}`);
console.log(`  aired ${round(airedMinutes, 1)} min in ${runs.length} continuous run(s); ${segments.length} segments recorded, ${missedSegments} missed; ${items.length} items aired, ${measured.length} measured, ${notFound.length} not found`);
console.log(`  error (heard − planned): p50 ${fmtMs(errorStats.p50)}, min ${fmtMs(errorStats.min)}, max ${fmtMs(errorStats.max)}; trend ${round(errorTrend, 1)} ms/h`);
console.log(`  |drift| since the first item: p50 ${fmtMs(absDrift.p50)}, p95 ${fmtMs(absDrift.p95)}, max ${fmtMs(absDrift.max)}`);
console.log(`  lag behind real time (listed − PDT end): first tenth p50 ${fmtMs(lagStart.p50)} (max ${fmtMs(lagStart.max)}), last tenth p50 ${fmtMs(lagEnd.p50)} (max ${fmtMs(lagEnd.max)}), trend ${round(lagTrend, 1)} ms/h; fetch errors ${JSON.stringify(errors)}`);
console.log(`  the PDTs run ${fmtMs(pdtOffset)} behind the plan's clock: against the plan, segments were listed ${fmtMs(planLagStart.p50)} (first tenth) and ${fmtMs(planLagEnd.p50)} (last tenth) after their audio's planned end`);
if (notFound.length) console.log(`  not found: ${notFound.slice(0, 5).map((n) => `${new Date(n.start).toISOString()} ${n.hz} Hz: ${n.why}`).join('; ')}${notFound.length > 5 ? ' …' : ''}`);
printTargets(targets);
const file = writeResult({ name: 'playout', title: `playout accuracy over ${MINUTES} min of air`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details });
console.log(`  results: ${file}`);
// A run that measured (almost) nothing did not run: fail it rather than print empty figures.
process.exit(measured.length >= Math.max(1, Math.floor(items.length / 2)) ? 0 : 1);
