// Benchmark: one DJ intro as the dj.intro worker makes it (workers/dj/dj-intro.ts makeIntro): the line written from
// the templates, voiced by each built-in engine, normalised to broadcast loudness with ffmpeg. Wall time per intro
// against its audio. BRIEF.md sets no target; the scheduler writes 20 minutes ahead, so anything under ~10 s is ample.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TtsEngine } from '../src/lib/ai';
import { makeIntro, type DjIntroInput } from '../workers/dj/dj-intro';
import { deadline, machine, printTargets, round, stats, writeResult, type TargetRow } from './lib/common';

const RUNS = 5;
deadline('dj', 220_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-dj-'));

const input = (engine: Exclude<TtsEngine, 'openai'>, voice: string): DjIntroInput => ({
  introId: 'benchbenchbenchb',
  text: null,
  source: null,
  style: '',
  context: {
    kind: 'intro',
    channel: 'Harbour Radio',
    dj: 'Nova',
    title: 'Lights Over the Water',
    artist: 'The Harbour Lights',
    uploader: 'mia',
    description: 'Recorded live at the pier last summer',
    timeOfDay: 'evening',
    previous: { title: 'Low Tide', artist: 'Ember' },
    next: null
  },
  voice: { engine, voice, rate: 1, pitch: 0 },
  avoid: []
});

const cases: Array<{ engine: Exclude<TtsEngine, 'openai'>; voice: string }> = [
  { engine: 'espeak-ng', voice: 'en' },
  { engine: 'flite', voice: 'slt' },
  { engine: 'festival', voice: 'cmu_us_slt_arctic_hts' }
];
const targets: TargetRow[] = [];
const details: unknown[] = [];
for (const c of cases) {
  const walls: number[] = [];
  const audio: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const work = fs.mkdtempSync(path.join(dir, `${c.engine}-`));
    const t0 = performance.now();
    const made = await makeIntro(input(c.engine, c.voice), null, work);
    walls.push(performance.now() - t0);
    audio.push(made.duration);
  }
  const s = stats(walls);
  const a = stats(audio);
  targets.push({ metric: `write (template) + voice one intro: ${c.engine} ${c.voice}`, target: '-', measured: `${round(s.p50 / 1000, 2)} s median (max ${round(s.max / 1000, 2)} s) for ${round(a.p50, 1)} s of speech`, met: null });
  details.push({ ...c, wallMs: walls.map((w) => round(w)), audioSeconds: audio.map((x) => round(x, 2)) });
}
fs.rmSync(dir, { recursive: true, force: true });
printTargets(targets);
const file = writeResult({
  name: 'dj',
  title: 'DJ intro: write + voice per intro',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `template line for one item, ${RUNS} intros per engine, wall time of makeIntro() (grammar + synthesiser process + ffmpeg resample + ffprobe + ffmpeg loudnorm) in this process`,
  targets,
  details
});
console.log(`  results: ${file}`);
