// Benchmark: voicing a DJ intro with each built-in engine (workers/ai/voice.ts, as the DJ's workers and the settings
// page's preview call it): wall time per line against the audio's own duration, 3 runs each, with and without a
// rate/pitch change (ffmpeg's rubberband). BRIEF.md sets no target: the figures say which engine a live DJ can afford.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TtsEngine } from '../src/lib/ai';
import { voice } from '../workers/ai/voice';
import { deadline, machine, printTargets, round, stats, writeResult, type TargetRow } from './lib/common';

const RUNS = 3;
const LINE = 'That was the new single from the Harbour Lights. Coming up after the news at the top of the hour: the traffic, the weather for the weekend, and your requests until midnight on the late show.';
deadline('voice', 200_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-voice-'));

const cases: Array<{ engine: Exclude<TtsEngine, 'openai'>; voice: string; rate: number; pitch: number }> = [
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 },
  { engine: 'flite', voice: 'slt', rate: 1, pitch: 0 },
  { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1.15, pitch: -2 }
];
const targets: TargetRow[] = [];
const details: unknown[] = [];
for (const c of cases) {
  const walls: number[] = [];
  let audio = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    audio = (await voice(LINE, c, path.join(dir, `${c.engine}-${i}.wav`))).durationSeconds;
    walls.push(performance.now() - t0);
  }
  const s = stats(walls);
  const label = `${c.engine} ${c.voice}${c.rate !== 1 || c.pitch !== 0 ? ` (rate ${c.rate}, pitch ${c.pitch})` : ''}`;
  targets.push({ metric: `voice a ${LINE.split(' ').length}-word intro: ${label}`, target: '-', measured: `${round(s.p50 / 1000, 2)} s for ${round(audio, 1)} s of audio (${round(audio / (s.p50 / 1000), 1)}× real time)`, met: null });
  details.push({ ...c, audioSeconds: round(audio, 3), wallMs: walls.map((w) => round(w)) });
}
fs.rmSync(dir, { recursive: true, force: true });
printTargets(targets);
const file = writeResult({
  name: 'voice',
  title: 'voicing speed of the built-in engines',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `one ${LINE.length}-character line, ${RUNS} runs per case, median wall time of voice() (synthesiser process + ffmpeg to 48 kHz mono WAV + ffprobe) in this process`,
  targets,
  details
});
console.log(`  results: ${file}`);
