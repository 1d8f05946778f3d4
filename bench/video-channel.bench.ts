// Benchmark: what a video channel costs the live worker in CPU (default two minutes of air: `--seconds N` or
// BENCH_VIDEO_SECONDS to change it).
// A public video channel airs a rotation of a 20 s test video (testsrc2 over a tone) and a 20 s tone (shown as a card),
// through the real `channel.live` job on the server's local worker. Every second the benchmark reads the CPU time of
// the worker and of each ffmpeg it runs (from /proc), by role: the HLS encoder (x264 + AAC), video decoders, audio
// decoders, card renders; and watches the HLS playlist grow as a player would, to see that the air kept real time.
// bench-backstop-seconds: 600
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTeam } from '../tests/helpers/api';
import { startLiveChannel } from '../tests/helpers/live-channel';
import { deadline, machine, procCpuMs, round, sleep, startBenchServer, writeResult, printTargets, type TargetRow } from './lib/common';
import { parseMediaPlaylist } from './lib/hls';

const arg = process.argv.indexOf('--seconds');
const SECONDS = Number(arg >= 0 ? process.argv[arg + 1] : (process.env.BENCH_VIDEO_SECONDS ?? 120));
if (!(SECONDS > 0)) throw new Error('--seconds takes a positive number');

deadline('video-channel', (SECONDS + 400) * 1000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-video-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const server = await startBenchServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
const team = await createTeam(server, 'Video bench');
const channel = await startLiveChannel(server, team, dir, { name: 'Bench TV', kind: 'video', seconds: 20 });
console.log(`video-channel: on air at /live/${channel.slug}/; measuring ${SECONDS} s`);

const children = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const workerPid = children(server.pid).find((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('worker.js'));
if (!workerPid) throw new Error('no local worker process');

function roleOf(pid: number): string {
  const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  if (cmd.includes('-f hls')) return 'HLS encoder (x264 veryfast 720p25 + AAC)';
  if (cmd.includes('-f flv')) return 'RTMP encoder';
  if (cmd.includes('rawvideo') && cmd.includes('-ss')) return 'video decoders (proxy to 720p25 yuv)';
  if (cmd.includes('f32le') && cmd.includes('-ss')) return 'audio decoders';
  if (cmd.includes('drawtext')) return 'card renders';
  return 'other';
}

const lastCpu = new Map<number, number>();
const used = new Map<string, number>();
let segmentsSeconds = 0;
const seen = new Set<string>();
let first = true;
const t0 = Date.now();
let lastAt = t0;
const playlistUrl = `${server.url}/live/${channel.slug}/index.m3u8`;
while (Date.now() - t0 < SECONDS * 1000) {
  await sleep(1000);
  for (const [pid, role] of [[workerPid, 'worker (node: mixer, frames)'] as const, ...children(workerPid).map((p) => [p, ''] as const)]) {
    let cpu: number;
    let r: string = role;
    try {
      cpu = procCpuMs(pid);
      r ||= roleOf(pid);
    } catch {
      continue; // ended between the listing and the read
    }
    // A process first seen now counts from its start: its whole CPU time so far falls in this run.
    const before = lastCpu.get(pid) ?? (pid === workerPid ? cpu : 0);
    lastCpu.set(pid, cpu);
    used.set(r, (used.get(r) ?? 0) + cpu - before);
  }
  const r = await fetch(playlistUrl).catch(() => null);
  if (r?.ok) {
    const list = parseMediaPlaylist(await r.text());
    for (const s of list.segments) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      if (!first) segmentsSeconds += s.duration;
    }
    first = false;
  }
  lastAt = Date.now();
}
const wallMs = lastAt - t0;
const percent = (ms: number) => round((ms / wallMs) * 100, 1);
const rows = [...used.entries()].sort((a, b) => b[1] - a[1]).map(([role, ms]) => ({ role, percentOfCore: percent(ms) }));
const total = percent([...used.values()].reduce((a, b) => a + b, 0));
const realtime = segmentsSeconds / (wallMs / 1000);

const setup = `a video channel (20 s testsrc2 video and a 20 s tone as a card, 1 s crossfade) aired by the local worker for ${round(wallMs / 1000, 0)} s`;
console.log(`\nvideo channel CPU — ${setup}`);
for (const r of rows) console.log(`  ${r.role.padEnd(44)} ${r.percentOfCore}% of a core`);
console.log(`  ${'all of the live job'.padEnd(44)} ${total}% of a core (the machine has ${os.cpus().length})`);
console.log(`  HLS grew by ${round(segmentsSeconds, 1)} s of media in ${round(wallMs / 1000, 1)} s (${round(realtime, 2)}x real time)`);
const targets: TargetRow[] = [
  { metric: 'live job CPU, video channel with HLS', target: 'under one core (leaves the other for the web process)', measured: `${total}% of a core`, met: total < 100 },
  { metric: 'air keeps real time', target: '≥ 0.9x', measured: `${round(realtime, 2)}x`, met: realtime >= 0.9 }
];
printTargets(targets);
const file = writeResult({ name: 'video-channel', title: `video channel CPU over ${SECONDS} s of air`, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, machine: machine(), setup, targets, details: { wallMs, roles: rows, totalPercentOfCore: total, hlsMediaSeconds: round(segmentsSeconds, 1) } });
console.log(`  results: ${file}`);
process.exit(0);
