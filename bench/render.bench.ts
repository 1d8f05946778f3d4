// Benchmark: server render speed (× real time) of a 60 s 1080p30 cut with three tracks, transitions and titles.
// Sources are 1080p30 H.264/AAC files made with ffmpeg (testsrc2 + tones) and a music bed; the cut alternates them
// on V1 in 6 s clips joined by 1 s crossfades/wipes, with the music ducked under V1's sound on A1 and a title every
// 10 s on T1. `renderTimeline` (what the timeline.render job runs) renders it from the originals at mp4-1080p with
// both loudness passes; the figure is 60 s / wall time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keysBetween } from '../src/lib/editor/model/order';
import { newClip, newTitleClip } from '../src/lib/editor/model/timeline/clip';
import type { TimelineSnapshot } from '../src/lib/editor/model/timeline/snapshot';
import { newTrack } from '../src/lib/editor/model/timeline/track';
import { newTransition } from '../src/lib/editor/model/timeline/transition';
import { renderTimeline } from '../workers/render/render-job';
import { deadline, machine, printTargets, round, writeResult, type TargetRow } from './lib/common';

const CUT_SECONDS = 60;
deadline('render', 220_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-render-'));
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

const sources: Record<string, { input: string; duration: number; hasVideo: boolean; hasAudio: boolean; width?: number; height?: number }> = {};
for (const [i, freq] of [330, 440, 550].entries()) {
  const file = path.join(dir, `v${i}.mp4`);
  ff('-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=20`, '-f', 'lavfi', '-i', `sine=frequency=${freq}:duration=20`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file);
  sources[`v${i}`] = { input: file, duration: 20, hasVideo: true, hasAudio: true, width: 1920, height: 1080 };
}
const music = path.join(dir, 'music.m4a');
ff('-f', 'lavfi', '-i', `sine=frequency=110:duration=${CUT_SECONDS + 2}`, '-c:a', 'aac', music);
sources.music = { input: music, duration: CUT_SECONDS + 2, hasVideo: false, hasAudio: true };

const [o1, o2, o3] = keysBetween(null, null, 3);
const a1 = { ...newTrack({ id: 'a1', kind: 'audio', name: 'Music', order: o1 }), ducking: { byTrackId: 'v1', amountDb: 10, mode: 'level' as const, attack: 0.02, release: 0.4 } };
const snapshot: TimelineSnapshot = {
  settings: { width: 1920, height: 1080, fps: 30 },
  tracks: [a1, newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o2 }), newTrack({ id: 't1', kind: 'title', name: 'Titles', order: o3 })],
  clips: [],
  transitions: [],
  markers: []
};
const kinds = ['fade', 'wipeleft', 'dissolve', 'slideleft'] as const;
for (let i = 0; i < CUT_SECONDS / 6; i++) {
  snapshot.clips.push(newClip({ id: `c${i}`, trackId: 'v1', assetId: `v${i % 3}`, start: i * 6, in: 2, out: 8 }));
  if (i > 0) snapshot.transitions.push(newTransition({ id: `x${i}`, fromClipId: `c${i - 1}`, toClipId: `c${i}`, kind: kinds[i % kinds.length], duration: 1 }));
}
snapshot.clips.push(newClip({ id: 'm', trackId: 'a1', assetId: 'music', start: 0, in: 0, out: CUT_SECONDS }));
for (let i = 0; i < CUT_SECONDS / 10; i++) snapshot.clips.push(newTitleClip({ id: `t${i}`, trackId: 't1', start: i * 10 + 1, duration: 4, text: `Segment ${i + 1}` }));

const t0 = performance.now();
const out = await renderTimeline({ snapshot, sources, preset: 'mp4-1080p', workDir: path.join(dir, 'work') });
const ms = performance.now() - t0;
fs.rmSync(dir, { recursive: true, force: true });

const speed = CUT_SECONDS / (ms / 1000);
const ok = Math.abs(out.duration - CUT_SECONDS) < 0.1 && out.width === 1920 && out.height === 1080;
const targets: TargetRow[] = [{ metric: `render ${CUT_SECONDS} s 1080p30, 3 tracks, transitions, titles`, target: '≥ 2× real time', measured: `${round(speed, 2)}× (${round(ms / 1000, 1)} s)`, met: ok && speed >= 2 }];
printTargets(targets);
const details = { cutSeconds: CUT_SECONDS, wallMs: round(ms), realTimeFactor: round(speed, 3), output: { duration: out.duration, width: out.width, height: out.height, loudness: out.loudness }, warnings: out.warnings };
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'render',
  title: 'server render speed of a 60 s 1080p30 cut',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: '10 clips of 1080p30 H.264/AAC with 9 transitions on V1, a ducked music bed on A1, 6 titles on T1; renderTimeline at mp4-1080p (x264 veryfast with diamond search / subme 1, crf 21, 8 Mb/s cap; ebur128 measurement pass, then the render) in this process',
  targets,
  details
});
console.log(`  results: ${file}`);
process.exit(ok ? 0 : 1);
