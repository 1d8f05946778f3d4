// Benchmark: the procedural generator's speed as × real time on one core: rendering a 180-second chunk (the default
// chunk length) in this Node process (single-threaded JS), and encoding it to FLAC with ffmpeg (-threads 1),
// measured separately, 3 runs for each of three of the default prompts. Target from the issue: ≥ 20× real time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PROMPTS } from '../src/lib/generator';
import { parseMusicPrompt } from '../src/lib/music/music-params';
import { renderProcedural } from '../src/lib/music/procedural';
import { encodeFlac } from '../workers/music/procedural-music';
import { deadline, machine, printTargets, round, stats, writeResult, type TargetRow } from './lib/common';

const RUNS = 3;
const SECONDS = 180;
const TARGET = 20;
const PROMPTS = [DEFAULT_PROMPTS[0], DEFAULT_PROMPTS[1], DEFAULT_PROMPTS[2]];
deadline('music', 200_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-music-'));
const load = os.loadavg()[0];

const targets: TargetRow[] = [];
const details: unknown[] = [];
const allRender: number[] = [];
const allEncode: number[] = [];
for (const prompt of PROMPTS) {
  const params = parseMusicPrompt(prompt);
  const render: number[] = [];
  const encode: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const music = renderProcedural(params, SECONDS, 1000 + i);
    const t1 = performance.now();
    await encodeFlac(music, path.join(dir, `chunk-${i}.flac`));
    const t2 = performance.now();
    render.push(t1 - t0);
    encode.push(t2 - t1);
  }
  const r = stats(render);
  const e = stats(encode);
  allRender.push(...render);
  allEncode.push(...encode);
  details.push({ prompt, params, renderMs: render.map((x) => round(x)), encodeMs: encode.map((x) => round(x)) });
  targets.push({ metric: `render ${SECONDS} s: ${prompt}`, target: `≥ ${TARGET}× real time`, measured: `${round(r.p50 / 1000, 2)} s (${round(SECONDS / (r.p50 / 1000), 1)}×)`, met: SECONDS / (r.p50 / 1000) >= TARGET });
  targets.push({ metric: `encode ${SECONDS} s to FLAC (ffmpeg): ${prompt}`, target: '-', measured: `${round(e.p50 / 1000, 2)} s (${round(SECONDS / (e.p50 / 1000), 1)}×)`, met: null });
}
const whole = stats(allRender.map((r, i) => r + allEncode[i]));
targets.push({ metric: `render + encode ${SECONDS} s, all prompts (median)`, target: `≥ ${TARGET}× real time`, measured: `${round(whole.p50 / 1000, 2)} s (${round(SECONDS / (whole.p50 / 1000), 1)}×)`, met: SECONDS / (whole.p50 / 1000) >= TARGET });
fs.rmSync(dir, { recursive: true, force: true });
printTargets(targets);
const file = writeResult({
  name: 'music',
  title: 'procedural generator speed (× real time, one core)',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `${SECONDS}-second chunks at 48 kHz stereo, ${RUNS} seeds per prompt; render in this process (one JS thread), then ffmpeg FLAC encode from piped s16le; load average at start ${round(load, 2)}`,
  targets,
  details
});
console.log(`  results: ${file}`);
