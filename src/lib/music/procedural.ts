/**
 * The procedural generator: renders lofi as PCM from parameters and a seed, with no model. Chords in the key's mode,
 * synthesized drums (or tabla), bass, FM electric piano, additive piano and pad, plucked strings (Karplus–Strong)
 * and a breathy flute as leads, swing, a master low-pass for warmth and optional vinyl crackle. Deterministic: the
 * same parameters, length and seed give the same samples on every machine. Pure: no DOM, no I/O.
 */
import { MUSIC_MODES, type MusicInstrument, type MusicParams } from './music-params';

export const MUSIC_SAMPLE_RATE = 48_000;

export interface RenderedMusic {
  sampleRate: number;
  left: Float32Array;
  right: Float32Array;
  /** Seconds per beat, and the beat times the drums played (for tests and the dashboard). */
  beatSeconds: number;
  /** Seconds from the start of each kick drum hit. */
  kicks: number[];
}

/** Progressions as scale degrees (0 = tonic), one chord per bar; lofi leans on sevenths and the ii–V. */
const PROGRESSIONS: Record<'bright' | 'dark', number[][]> = {
  bright: [
    [1, 4, 0, 5],
    [0, 5, 1, 4],
    [3, 2, 1, 0],
    [0, 3, 2, 5],
    [3, 4, 2, 5]
  ],
  dark: [
    [0, 5, 2, 6],
    [0, 3, 6, 2],
    [5, 6, 0, 0],
    [0, 6, 5, 4],
    [3, 4, 0, 0]
  ]
};

/** A 4096-point sine table: a lookup is several times cheaper than Math.sin and inaudibly different at these levels. */
const TABLE_BITS = 12;
const TABLE_SIZE = 1 << TABLE_BITS;
const SINE = new Float32Array(TABLE_SIZE + 1);
for (let i = 0; i <= TABLE_SIZE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / TABLE_SIZE);
/** sin(2π·phase) for any phase ≥ 0. */
function sin1(phase: number): number {
  const x = (phase - Math.floor(phase)) * TABLE_SIZE;
  const i = x | 0;
  return SINE[i] + (SINE[i + 1] - SINE[i]) * (x - i);
}

const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);

/** mulberry32: small, fast, and seeded. */
function rngOf(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Mix {
  readonly left: Float32Array;
  readonly right: Float32Array;
  constructor(
    readonly sr: number,
    readonly length: number
  ) {
    this.left = new Float32Array(length);
    this.right = new Float32Array(length);
  }
  /** Sample range [from, to) of a sound starting at `start` seconds lasting `seconds`, clipped to the buffer. */
  span(start: number, seconds: number): [number, number] {
    const from = Math.max(0, Math.round(start * this.sr));
    return [from, Math.min(this.length, from + Math.ceil(seconds * this.sr))];
  }
}

/** Equal-power pan gains, -1 left … 1 right. */
const panGains = (pan: number): [number, number] => [Math.cos(((pan + 1) * Math.PI) / 4), Math.sin(((pan + 1) * Math.PI) / 4)];

// ---- instruments: each adds one note into the mix ----

/** Two-operator FM electric piano: the modulation index decays, so the attack barks and the tail is a pure tine. */
function rhodes(mix: Mix, start: number, hold: number, midi: number, vel: number, pan: number, bright: number): void {
  const f = midiHz(midi);
  const release = 0.35;
  const [from, to] = mix.span(start, Math.min(hold + release, 4));
  const [gl, gr] = panGains(pan);
  const dt = 1 / mix.sr;
  const index0 = 0.6 + 1.8 * bright;
  const decay = 0.9 + midi / 100;
  // Exponential decays as per-sample factors: Math.exp per sample would cost more than the oscillators.
  const kDecay = Math.exp(-decay * dt);
  const kMod = Math.exp(-4 * dt);
  const kTine = Math.exp(-12 * dt);
  let decayEnv = 1;
  let modEnv = index0;
  let tineEnv = 0.12;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const env = Math.min(1, t * 300) * decayEnv * (t > hold ? Math.max(0, 1 - (t - hold) / release) : 1);
    const mod = modEnv * sin1(f * t);
    const v = vel * env * (sin1(f * t + mod) + tineEnv * sin1(f * 14 * t));
    decayEnv *= kDecay;
    modEnv *= kMod;
    tineEnv *= kTine;
    mix.left[n] += v * gl;
    mix.right[n] += v * gr;
  }
}

/** Additive piano: a few inharmonic-free partials, the high ones dying first. */
function piano(mix: Mix, start: number, hold: number, midi: number, vel: number, pan: number): void {
  const f = midiHz(midi);
  const release = 0.25;
  const [from, to] = mix.span(start, Math.min(hold + release, 3.5));
  const [gl, gr] = panGains(pan);
  const dt = 1 / mix.sr;
  const k1 = Math.exp(-1.1 * dt);
  const k2 = Math.exp(-2.2 * dt);
  const k3 = Math.exp(-4 * dt);
  const k5 = Math.exp(-7 * dt);
  let e1 = 1;
  let e2 = 0.45;
  let e3 = 0.2;
  let e5 = 0.08;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const env = Math.min(1, t * 500) * (t > hold ? Math.max(0, 1 - (t - hold) / release) : 1);
    const v = vel * env * (e1 * sin1(f * t) + e2 * sin1(2 * f * t) + e3 * sin1(3 * f * t) + e5 * sin1(5 * f * t));
    e1 *= k1;
    e2 *= k2;
    e3 *= k3;
    e5 *= k5;
    mix.left[n] += v * gl;
    mix.right[n] += v * gr;
  }
}

/** A soft pad: two detuned voices with a slow swell and a slow release. */
function pad(mix: Mix, start: number, hold: number, midi: number, vel: number, pan: number): void {
  const f = midiHz(midi);
  const attack = 0.8;
  const release = 1.2;
  const [from, to] = mix.span(start, hold + release);
  const [gl, gr] = panGains(pan);
  const dt = 1 / mix.sr;
  const fa = f * 1.004;
  const fb = f * 0.996;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const env = Math.min(1, t / attack) * (t > hold ? Math.max(0, 1 - (t - hold) / release) : 1);
    const a = sin1(fa * t) + 0.3 * sin1(2 * fa * t);
    const b = sin1(fb * t) + 0.3 * sin1(2 * fb * t);
    mix.left[n] += vel * env * (a * gl * 1.2 + b * gl * 0.6);
    mix.right[n] += vel * env * (b * gr * 1.2 + a * gr * 0.6);
  }
}

/** Round sine bass with a touch of second harmonic, so it is heard on small speakers. */
function bass(mix: Mix, start: number, hold: number, midi: number, vel: number): void {
  const f = midiHz(midi);
  const release = 0.08;
  const [from, to] = mix.span(start, hold + release);
  const dt = 1 / mix.sr;
  const k = Math.exp(-0.8 * dt);
  let decay = 1;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const env = Math.min(1, t * 150) * decay * (t > hold ? Math.max(0, 1 - (t - hold) / release) : 1);
    const v = vel * env * (sin1(f * t) + 0.25 * sin1(2 * f * t));
    decay *= k;
    mix.left[n] += v;
    mix.right[n] += v;
  }
}

/** Karplus–Strong plucked string; `buzz` > 0 adds the sitar's jawari rattle by folding the loop's signal. */
function pluck(mix: Mix, start: number, hold: number, midi: number, vel: number, pan: number, buzz: number, rnd: () => number): void {
  const f = midiHz(midi);
  const period = Math.max(2, Math.round(mix.sr / f));
  const line = new Float32Array(period);
  for (let i = 0; i < period; i++) line[i] = rnd() * 2 - 1;
  const [from, to] = mix.span(start, Math.min(hold + 0.3, 2.5));
  const [gl, gr] = panGains(pan);
  const damp = 0.996;
  const release = Math.round((hold + 0.3) * mix.sr) - Math.round(0.3 * mix.sr);
  let i = 0;
  for (let n = from, k = 0; n < to; n++, k++) {
    const next = line[(i + 1) % period];
    let y = damp * 0.5 * (line[i] + next);
    // The bridge stops one side of the swing: energy only goes, so the loop stays stable.
    if (buzz > 0 && y < -0.2) y = -0.2 + (y + 0.2) * 0.25;
    line[i] = y;
    i = (i + 1) % period;
    const env = k > release ? Math.max(0, 1 - (k - release) / (0.3 * mix.sr)) : 1;
    const v = vel * env * y;
    mix.left[n] += v * gl;
    mix.right[n] += v * gr;
  }
}

/** Bansuri-like flute: sine with delayed vibrato and breath noise. */
function flute(mix: Mix, start: number, hold: number, midi: number, vel: number, pan: number, rnd: () => number): void {
  const f = midiHz(midi);
  const release = 0.15;
  const [from, to] = mix.span(start, hold + release);
  const [gl, gr] = panGains(pan);
  const dt = 1 / mix.sr;
  let breath = 0;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const env = Math.min(1, t / 0.08) * (t > hold ? Math.max(0, 1 - (t - hold) / release) : 1);
    const vib = 0.004 * Math.min(1, t / 0.4) * sin1(5.2 * t);
    breath += 0.08 * (rnd() * 2 - 1 - breath);
    const ph = f * t * (1 + vib);
    const v = vel * env * (sin1(ph) + 0.18 * sin1(2 * ph) + 0.6 * breath);
    mix.left[n] += v * gl;
    mix.right[n] += v * gr;
  }
}

/** Kick: a sine swept from 130 to 45 Hz with a short click. */
function kick(mix: Mix, start: number, vel: number): void {
  const [from, to] = mix.span(start, 0.45);
  const dt = 1 / mix.sr;
  let phase = 0;
  const kSweep = Math.exp(-28 * dt);
  const kBody = Math.exp(-7 * dt);
  const kClick = Math.exp(-300 * dt);
  let sweep = 85;
  let body = 1;
  let click = 0.3;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    phase += (45 + sweep) * dt;
    const v = vel * (body * sin1(phase) + click * sin1(1800 * t));
    sweep *= kSweep;
    body *= kBody;
    click *= kClick;
    mix.left[n] += v;
    mix.right[n] += v;
  }
}

/** Snare: band-limited noise with a 190 Hz body, dulled as a sampled lofi snare is. */
function snare(mix: Mix, start: number, vel: number, rnd: () => number): void {
  const [from, to] = mix.span(start, 0.3);
  const dt = 1 / mix.sr;
  let low = 0;
  const kNoise = Math.exp(-18 * dt);
  const kTone = Math.exp(-30 * dt);
  let noiseEnv = 0.9;
  let toneEnv = 0.6;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    const noise = rnd() * 2 - 1;
    low += 0.35 * (noise - low);
    const v = vel * (noiseEnv * (noise - low) + toneEnv * sin1(190 * t));
    noiseEnv *= kNoise;
    toneEnv *= kTone;
    mix.left[n] += v * 0.9;
    mix.right[n] += v;
  }
}

/** Hi-hat: the noise's first difference (high frequencies only), very short. */
function hat(mix: Mix, start: number, vel: number, open: boolean, rnd: () => number): void {
  const decay = open ? 12 : 60;
  const [from, to] = mix.span(start, open ? 0.35 : 0.08);
  const dt = 1 / mix.sr;
  let prev = 0;
  const k = Math.exp(-decay * dt);
  let env = 0.5;
  for (let n = from; n < to; n++) {
    const noise = rnd() * 2 - 1;
    const v = vel * env * (noise - prev);
    env *= k;
    prev = noise;
    mix.left[n] += v;
    mix.right[n] += v * 0.8;
  }
}

/** Tabla strokes: bayan "ge" (low, pitch bending up) and dayan "na" (ringing high tone with a slap). */
function tabla(mix: Mix, start: number, vel: number, stroke: 'ge' | 'na' | 'tin', tonic: number, rnd: () => number): void {
  const [from, to] = mix.span(start, stroke === 'ge' ? 0.5 : 0.3);
  const dt = 1 / mix.sr;
  const f = stroke === 'ge' ? 85 : midiHz(tonic + 60) * (stroke === 'tin' ? 1.5 : 1);
  let phase = 0;
  for (let n = from, t = 0; n < to; n++, t += dt) {
    phase += (stroke === 'ge' ? f * (1 + 0.4 * Math.min(1, t * 8) * Math.exp(-t * 5)) : f) * dt;
    const body = stroke === 'ge' ? Math.exp(-t * 6) * sin1(phase) : Math.exp(-t * 14) * (sin1(phase) + 0.4 * sin1(2.9 * phase));
    const v = vel * (body + 0.25 * Math.exp(-t * 200) * (rnd() * 2 - 1));
    mix.left[n] += v * (stroke === 'ge' ? 1 : 0.8);
    mix.right[n] += v * (stroke === 'ge' ? 0.8 : 1);
  }
}

// ---- the arrangement ----

/** Scale degree `d` (any integer) of the mode as semitones above the tonic. */
function degreeSemis(steps: readonly number[], d: number): number {
  const oct = Math.floor(d / 7);
  return steps[((d % 7) + 7) % 7] + 12 * oct;
}

/** `semis` moved by octaves into [lo, lo + 12). */
const inRange = (semis: number, lo: number) => lo + ((((semis - lo) % 12) + 12) % 12);

/**
 * `seconds` of music (stereo, `sampleRate`) for `params`, seeded. Whole bars play, and whatever is left of a bar at
 * the end lets the last chord ring out with a fade, so consecutive chunks join like tracks of one record.
 */
export function renderProcedural(params: MusicParams, seconds: number, seed: number, sampleRate = MUSIC_SAMPLE_RATE): RenderedMusic {
  const steps = renderSteps(params, seconds, seed, sampleRate);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same render in slices: yields its progress (0..1) every few notes and every second of mastering, so a worker
 * that also runs a live channel keeps its event loop free between slices. The samples equal renderProcedural's.
 */
export async function renderProceduralAsync(params: MusicParams, seconds: number, seed: number, onProgress?: (fraction: number) => void, sampleRate = MUSIC_SAMPLE_RATE): Promise<RenderedMusic> {
  const steps = renderSteps(params, seconds, seed, sampleRate);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    onProgress?.(r.value);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function* renderSteps(params: MusicParams, seconds: number, seed: number, sampleRate: number): Generator<number, RenderedMusic> {
  if (!(seconds > 0) || seconds > 3600) throw new RangeError('A chunk is between 0 and 3600 seconds long.');
  const rnd = rngOf(seed);
  const mix = new Mix(sampleRate, Math.round(seconds * sampleRate));
  // The arrangement queues each note; they are synthesised afterwards in the same order (so slicing changes nothing).
  const notes: Array<() => void> = [];
  const play = (note: () => void) => notes.push(note);
  const has = (i: MusicInstrument) => params.instruments.includes(i);
  const steps = MUSIC_MODES[params.mode];
  const beat = 60 / params.bpm;
  const bar = 4 * beat;
  const bars = Math.max(1, Math.floor((seconds - Math.min(2, seconds * 0.1)) / bar));
  const major = steps[2] === 4;
  const progressions = PROGRESSIONS[major ? 'bright' : 'dark'];
  const kicks: number[] = [];
  /** Time of the eighth `e` (0–7) of bar `b`, the off-beats pushed late by the swing. */
  const eighth = (b: number, e: number) => b * bar + Math.floor(e / 2) * beat + (e % 2 ? params.swing * beat : 0);
  const human = () => (rnd() - 0.5) * 0.012;
  const lead: MusicInstrument | null = has('sitar') ? 'sitar' : has('flute') ? 'flute' : has('guitar') ? 'guitar' : null;
  const chordInstr: MusicInstrument[] = (['rhodes', 'piano', 'guitar'] as const).filter((i) => has(i) && i !== lead);
  const key = params.key;
  // Section: 8 bars share a progression, a comping rhythm and a drum pattern; the seed picks each.
  let progression = progressions[0];
  let comp = 0;
  let kickPattern: number[] = [0, 5];
  let dropDrums = false;
  // Two bars without drums and lead open a chunk now and then (never a short one, which would be all intro).
  const intro = bars > 6 && rnd() < 0.5 ? 2 : 0;
  // Nothing to play the chords (a sitar or flute lead over tabla): a tanpura-like drone on the tonic and fifth instead.
  if (chordInstr.length === 0 && !has('pad')) {
    play(() => pad(mix, 0, seconds - 1.5, key + 48, 0.07, -0.5));
    play(() => pad(mix, 0.4, seconds - 1.9, key + 55, 0.05, 0.5));
  }
  for (let b = 0; b < bars; b++) {
    if (b % 8 === 0) {
      progression = progressions[Math.floor(rnd() * progressions.length)];
      comp = Math.floor(rnd() * 3);
      kickPattern = [[0, 5], [0, 3, 5], [0, 4, 7], [0, 5, 6]][Math.floor(rnd() * 4)];
    }
    // A breakdown bar now and then, never at the very start or end.
    dropDrums = b < intro || (b % 8 === 7 && rnd() < 0.3 && b < bars - 1);
    const degree = progression[b % progression.length];
    const chord = [0, 2, 4, 6].map((k) => inRange(degreeSemis(steps, degree + k) + key, 55 - 60) + 60);
    const root = inRange(degreeSemis(steps, degree) + key, 31 - 24) + 24;
    const t0 = b * bar;
    const last = b === bars - 1;
    const holdEnd = last ? seconds - t0 : bar;
    // Chords: the comping pattern's hits, each a slightly rolled voicing.
    const hits: Array<[number, number]> = last ? [[0, holdEnd - 0.3]] : comp === 0 ? [[0, bar * 0.95]] : comp === 1 ? [[0, beat * 1.4], [eighth(0, 3), bar - eighth(0, 3) - 0.05]] : [[0, beat * 2.5], [eighth(0, 5) , bar - eighth(0, 5) - 0.05]];
    for (const instr of chordInstr) {
      for (const [at, hold] of hits) {
        chord.forEach((m, k) => {
          const when = t0 + at + k * 0.012 + human();
          const vel = (0.11 + rnd() * 0.03) * (at === 0 ? 1 : 0.8);
          if (instr === 'rhodes') play(() => rhodes(mix, when, hold, m, vel, -0.3 + k * 0.2, params.brightness));
          else if (instr === 'piano') play(() => piano(mix, when, hold, m, vel * 0.9, 0.3 - k * 0.2));
          else play(() => pluck(mix, when, Math.min(hold, 1.6), m, vel * 1.6, -0.5 + k * 0.3, 0, rnd));
        });
      }
    }
    if (has('pad')) chord.slice(0, 3).forEach((m, k) => play(() => pad(mix, t0, holdEnd - 0.2, m, 0.05, k - 1)));
    if (has('bass')) {
      play(() => bass(mix, t0 + human(), Math.min(holdEnd, beat * 1.6), root, 0.32));
      if (!last) play(() => bass(mix, t0 + eighth(0, 5) + human(), beat * 1.2, rnd() < 0.5 ? root : root + 7, 0.26));
    }
    if (!last && !dropDrums && has('drums')) {
      for (const e of kickPattern) {
        const at = t0 + eighth(0, e) + human() * 0.5;
        play(() => kick(mix, at, e === 0 ? 0.8 : 0.65));
        kicks.push(at);
      }
      for (const e of [2, 6]) play(() => snare(mix, t0 + eighth(0, e) + 0.012 + human() * 0.5, 0.35, rnd));
      for (let e = 0; e < 8; e++) if (rnd() > 0.08) play(() => hat(mix, t0 + eighth(0, e) + human() * 0.5, e % 2 ? 0.1 : 0.16, e === 7 && rnd() < 0.2, rnd));
    }
    if (!last && !dropDrums && has('tabla')) {
      // A theka-like cycle over the bar's eighths: ge on the strong beats, na and tin between.
      const cycle: Array<'ge' | 'na' | 'tin' | null> = ['ge', 'na', 'tin', 'na', 'ge', null, 'tin', 'na'];
      cycle.forEach((stroke, e) => {
        if (!stroke || (e > 0 && rnd() < 0.1)) return;
        const at = t0 + eighth(0, e) + human() * 0.5;
        play(() => tabla(mix, at, stroke === 'ge' ? 0.5 : 0.22, stroke, key, rnd));
        if (stroke === 'ge' && !has('drums')) kicks.push(at);
      });
    }
    // The lead: pentatonic phrases over two bars, resting for two, from the chord tones up.
    if (lead && !last && b >= intro && (b >> 1) % 2 === 0) {
      const penta = [0, 1, 2, 4, 5];
      for (let e = 0; e < 8; e++) {
        if (rnd() > 0.42) continue;
        const d = penta[Math.floor(rnd() * penta.length)] + (rnd() < 0.3 ? 7 : 0);
        const m = inRange(degreeSemis(steps, d) + key, 67 - 60) + 60 + (d >= 7 ? 12 : 0);
        const len = beat * (0.5 + Math.floor(rnd() * 3) * 0.5);
        const when = t0 + eighth(0, e) + human();
        if (lead === 'flute') play(() => flute(mix, when, len, m, 0.07, 0.2, rnd));
        else play(() => pluck(mix, when, len + 0.4, m, 0.22, 0.25, lead === 'sitar' ? 1 : 0, rnd));
      }
    }
  }
  for (let i = 0; i < notes.length; i++) {
    notes[i]();
    if (i % 24 === 23) yield (0.85 * i) / notes.length;
  }
  yield* master(mix, params, seconds, rnd);
  return { sampleRate, left: mix.left, right: mix.right, beatSeconds: beat, kicks };
}

/** Warmth (one-pole low-pass by brightness), vinyl hiss and crackle, peak level, and the edges faded. */
function* master(mix: Mix, params: MusicParams, seconds: number, rnd: () => number): Generator<number, void> {
  const { left, right, sr } = mix;
  const cutoff = 2500 + params.brightness * 7500;
  const a = 1 - Math.exp((-2 * Math.PI * cutoff) / sr);
  let ll = 0;
  let lr = 0;
  let hiss = 0;
  let crackle = 0;
  const crackleRate = (12 * params.vinyl) / sr;
  let peak = 1e-9;
  for (let n = 0; n < left.length; n++) {
    ll += a * (left[n] - ll);
    lr += a * (right[n] - lr);
    let v = 0;
    if (params.vinyl > 0) {
      hiss += 0.25 * (rnd() * 2 - 1 - hiss);
      if (rnd() < crackleRate) crackle += (rnd() < 0.5 ? -1 : 1) * (0.05 + 0.25 * rnd()) * params.vinyl;
      crackle *= 0.6;
      v = hiss * 0.012 * params.vinyl + crackle;
    }
    left[n] = ll + v;
    right[n] = lr + v;
    peak = Math.max(peak, Math.abs(left[n]), Math.abs(right[n]));
    if (n % (5 * sr) === 5 * sr - 1) yield 0.85 + (0.15 * n) / left.length;
  }
  const gain = 0.9 / peak;
  const fadeIn = Math.round(0.02 * sr);
  const fadeOut = Math.round(Math.min(1.5, seconds * 0.1) * sr);
  const len = left.length;
  for (let n = 0; n < len; n++) {
    const edge = Math.min(1, n / fadeIn, (len - 1 - n) / fadeOut);
    left[n] *= gain * edge;
    right[n] *= gain * edge;
  }
}

/** Interleaved signed 16-bit PCM (what ffmpeg reads as `-f s16le -ac 2` on a little-endian machine). */
export function toS16(music: Pick<RenderedMusic, 'left' | 'right'>): Int16Array {
  const out = new Int16Array(music.left.length * 2);
  for (let n = 0; n < music.left.length; n++) {
    out[2 * n] = Math.max(-32768, Math.min(32767, Math.round(music.left[n] * 32767)));
    out[2 * n + 1] = Math.max(-32768, Math.min(32767, Math.round(music.right[n] * 32767)));
  }
  return out;
}
