// Benchmark: photo analysis time per photo (workers/photo/analyze-photo.ts, as the photo.analyze worker runs it, in
// this process; download and upload not counted), on 12 MP JPEGs (4000×3000, ffmpeg's testsrc2, one frame each):
// one photo in a fresh process (tfjs and the CenterNet model load first), one more once loaded, then a batch of 10.
// BENCH_PHOTO_COUNT changes the batch size.
// bench-backstop-seconds: 600
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzePhoto } from '../workers/photo/analyze-photo';
import { deadline, machine, printTargets, round, stats, writeResult, type TargetRow } from './lib/common';

const COUNT = Number(process.env.BENCH_PHOTO_COUNT ?? 10);
deadline('photo', 580_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-photo-'));
execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=4000x3000:rate=1:duration=${COUNT + 1}`, '-q:v', '3', path.join(dir, 'photo-%02d.jpg')]);
const files = fs.readdirSync(dir).sort().map((f) => path.join(dir, f));

const timed = async (file: string) => {
  const t = performance.now();
  const a = await analyzePhoto(file, 'bench');
  return { ms: performance.now() - t, score: a.quality.score };
};

const cold = await timed(files[0]!);
const warm = await timed(files[0]!);
const batchStart = performance.now();
const batch = [];
for (const f of files.slice(1, COUNT + 1)) batch.push(await timed(f));
const batchMs = performance.now() - batchStart;
const per = stats(batch.map((b) => b.ms));
fs.rmSync(dir, { recursive: true, force: true });

const targets: TargetRow[] = [
  { metric: 'first 12 MP photo (model load included)', target: '-', measured: `${round(cold.ms / 1000, 2)} s`, met: null },
  { metric: 'one 12 MP photo, model loaded', target: '-', measured: `${round(warm.ms / 1000, 2)} s`, met: null },
  { metric: `batch of ${batch.length} × 12 MP, per photo`, target: '-', measured: `${round(batchMs / batch.length / 1000, 2)} s (p50 ${round(per.p50 / 1000, 2)}, max ${round(per.max / 1000, 2)})`, met: null }
];
printTargets(targets);
const file = writeResult({
  name: 'photo',
  title: 'photo analysis time per photo',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `${COUNT + 1} JPEGs of 4000×3000 (testsrc2, q 3); analyzePhoto in this process: decode (shrink-on-load to 1000 px and a 768 px full-resolution crop), quality measures, CenterNet on tfjs wasm, colour cues, smartcrop; 2 cores`,
  targets,
  details: { coldMs: round(cold.ms), warmMs: round(warm.ms), batchMs: round(batchMs), perPhoto: per }
});
console.log(`  results: ${file}`);
