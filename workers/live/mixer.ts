/**
 * The live mixer's pure parts: the sample clock, where each planned item falls in a block of frames, its gain at each
 * frame (equal-power fades, so a crossfade keeps the loudness), mixing, the emergency tone and the silence watch.
 * No I/O here: live-job.ts feeds decoded PCM through these and the tests check them frame by frame.
 */
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE } from '../../src/lib/live';
import type { PlannedItem } from '../../src/lib/editor/model/schedule/playout-plan';

export type MixItem = Pick<PlannedItem, 'kind' | 'start' | 'end' | 'fadeIn' | 'fadeOut'>;

/** One planned item's identity across plan fetches (its decoders are kept by it). */
export const itemKey = (i: Pick<PlannedItem, 'kind' | 'assetId' | 'start'>) => `${i.kind}:${i.assetId ?? '-'}@${i.start}`;

/** The frame (at LIVE_SAMPLE_RATE) of wall-clock time `ms`, counted from the stream's origin `t0`. */
export function frameAt(t0: number, ms: number): number {
  return Math.round(((ms - t0) * LIVE_SAMPLE_RATE) / 1000);
}

/** Wall-clock ms of frame `n` of a stream whose frame 0 sounded at `t0`. */
export function timeOfFrame(t0: number, n: number): number {
  return t0 + (n * 1000) / LIVE_SAMPLE_RATE;
}

/** Where `item` meets the block [from, from + frames): `at` frames into the block, `count` frames, starting `itemFrame` frames into the item. */
export function overlap(t0: number, item: MixItem, from: number, frames: number): { at: number; count: number; itemFrame: number } | null {
  const start = frameAt(t0, item.start);
  const end = frameAt(t0, item.end);
  const a = Math.max(start, from);
  const b = Math.min(end, from + frames);
  if (b <= a) return null;
  return { at: a - from, count: b - a, itemFrame: a - start };
}

/** Equal-power fade-in gain at `x` (0 → 1 through the fade): sin²+cos² = 1, so a crossfade of two like signals keeps its power. */
export const fadeInGain = (x: number) => Math.sin((Math.min(1, Math.max(0, x)) * Math.PI) / 2);
export const fadeOutGain = (x: number) => Math.cos((Math.min(1, Math.max(0, x)) * Math.PI) / 2);

/** The item's gain `itemFrame` frames after its start: its fade-in, its fade-out before its end, 1 between, 0 outside. */
export function itemGain(item: MixItem, itemFrame: number): number {
  const length = ((item.end - item.start) * LIVE_SAMPLE_RATE) / 1000;
  if (itemFrame < 0 || itemFrame >= length) return 0;
  const fadeIn = item.fadeIn * LIVE_SAMPLE_RATE;
  const fadeOut = item.fadeOut * LIVE_SAMPLE_RATE;
  let g = 1;
  if (fadeIn > 0 && itemFrame < fadeIn) g *= fadeInGain(itemFrame / fadeIn);
  if (fadeOut > 0 && itemFrame >= length - fadeOut) g *= fadeOutGain((itemFrame - (length - fadeOut)) / fadeOut);
  return g;
}

/** Adds `source` (interleaved stereo, `count` frames) into `out` at frame `at`, scaled by the item's gain curve (and `duck`, if given). */
export function mixInto(out: Float32Array, at: number, source: Float32Array, count: number, item: MixItem, itemFrame: number, duck?: (itemFrame: number) => number): void {
  for (let i = 0; i < count; i++) {
    const g = itemGain(item, itemFrame + i) * (duck ? duck(itemFrame + i) : 1);
    if (g === 0) continue;
    const o = (at + i) * LIVE_CHANNELS;
    const s = i * LIVE_CHANNELS;
    out[o] += source[s] * g;
    out[o + 1] += source[s + 1] * g;
  }
}

/** The DJ's voice starts this long into its item, while the item ducks under it. */
export const INTRO_DELAY_SECONDS = 0.3;
/** After the voice, the item comes back up over this long. */
export const DUCK_RELEASE_SECONDS = 0.6;

/** The DJ's voice as a mix item over the start of `item`: from INTRO_DELAY_SECONDS in, `seconds` long, with short fades against clicks. */
export function introWindow(item: Pick<MixItem, 'start'>, seconds: number): MixItem {
  const start = item.start + INTRO_DELAY_SECONDS * 1000;
  return { kind: 'track', start, end: start + Math.round(seconds * 1000), fadeIn: 0.01, fadeOut: 0.05 };
}

/**
 * The item's gain under the DJ's voice at `itemFrame`: down to `duckDb` over the voice's lead-in, held while it speaks
 * (`voiceSeconds`), back up over DUCK_RELEASE_SECONDS, all on raised-cosine ramps so the level glides.
 */
export function duckGain(itemFrame: number, voiceSeconds: number, duckDb: number): number {
  const low = Math.pow(10, duckDb / 20);
  const t = itemFrame / LIVE_SAMPLE_RATE;
  const smooth = (x: number) => 0.5 - 0.5 * Math.cos(Math.PI * Math.min(1, Math.max(0, x)));
  const speechEnd = INTRO_DELAY_SECONDS + voiceSeconds;
  if (t < 0) return 1;
  if (t < INTRO_DELAY_SECONDS) return 1 + (low - 1) * smooth(t / INTRO_DELAY_SECONDS);
  if (t < speechEnd) return low;
  return low + (1 - low) * smooth((t - speechEnd) / DUCK_RELEASE_SECONDS);
}

/** The emergency station ID: a steady 440 Hz tone at -20 dBFS (phase from the item's frame, so blocks join without clicks). */
export function emergencyTone(count: number, itemFrame: number): Float32Array {
  const pcm = new Float32Array(count * LIVE_CHANNELS);
  for (let i = 0; i < count; i++) {
    const v = 0.1 * Math.sin((2 * Math.PI * 440 * (itemFrame + i)) / LIVE_SAMPLE_RATE);
    pcm[i * 2] = v;
    pcm[i * 2 + 1] = v;
  }
  return pcm;
}

/** Hard limit to [-1, 1]: overlapping fades of loud material must not wrap in the encoder. */
export function clip(pcm: Float32Array): void {
  for (let i = 0; i < pcm.length; i++) pcm[i] = pcm[i] > 1 ? 1 : pcm[i] < -1 ? -1 : pcm[i];
}

/** RMS of interleaved PCM in dBFS (-Infinity for digital silence). */
export function rmsDb(pcm: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return pcm.length ? 10 * Math.log10(sum / pcm.length) : -Infinity;
}

/**
 * Watches what goes out: silence (RMS under `thresholdDb`) outside planned breaks that lasts over `maxSilentMs` is
 * dead air. `feed` answers whether the alert state changed, so the caller reports only changes.
 */
export class SilenceWatch {
  silentMs = 0;
  alerting = false;

  constructor(
    readonly thresholdDb = -50,
    readonly maxSilentMs = 2000
  ) {}

  feed(pcm: Float32Array, durationMs: number, plannedSilence: boolean): boolean {
    const silent = !plannedSilence && rmsDb(pcm) < this.thresholdDb;
    this.silentMs = silent ? this.silentMs + durationMs : 0;
    const alerting = this.silentMs > this.maxSilentMs;
    const changed = alerting !== this.alerting;
    this.alerting = alerting;
    return changed;
  }
}

/**
 * Live takeover's crossfade, in place: `pcm` (the plan's mix) and `live` weighed by equal-power gains as the takeover
 * position moves linearly from `x0` to `x1` across the block (0: all plan, 1: all live).
 */
export function takeoverMix(pcm: Float32Array, live: Float32Array | null, x0: number, x1: number): void {
  const frames = pcm.length / LIVE_CHANNELS;
  for (let i = 0; i < frames; i++) {
    const x = x0 + ((x1 - x0) * i) / frames;
    const gp = fadeOutGain(x);
    const gl = live ? fadeInGain(x) : 0;
    for (let c = 0; c < LIVE_CHANNELS; c++) {
      const j = i * LIVE_CHANNELS + c;
      pcm[j] = pcm[j] * gp + (live ? live[j] * gl : 0);
    }
  }
}
