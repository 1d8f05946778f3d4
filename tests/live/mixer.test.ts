import { describe, expect, it } from 'vitest';
import { LIVE_SAMPLE_RATE } from '$lib/live';
import { clip, emergencyTone, fadeInGain, fadeOutGain, frameAt, itemGain, mixInto, overlap, rmsDb, SilenceWatch, takeoverMix, timeOfFrame, type MixItem } from '../../workers/live/mixer';

const T0 = Date.UTC(2026, 0, 5, 12);
const item = (start: number, end: number, fadeIn = 0, fadeOut = 0): MixItem => ({ kind: 'track', start: T0 + start, end: T0 + end, fadeIn, fadeOut });
/** Interleaved stereo of `frames` frames at a constant value. */
const dc = (frames: number, v = 0.5) => new Float32Array(frames * 2).fill(v);

describe('the sample clock', () => {
  it('maps wall-clock ms to frames and back at 48 kHz', () => {
    expect(frameAt(T0, T0 + 1000)).toBe(LIVE_SAMPLE_RATE);
    expect(frameAt(T0, T0 + 2.5)).toBe(120);
    expect(timeOfFrame(T0, 48_000 * 7)).toBe(T0 + 7000);
  });

  it('places an item in a block: where it begins, how many frames, and how far into the item', () => {
    const a = item(1000, 8000);
    expect(overlap(T0, a, 0, 4800)).toBeNull();
    expect(overlap(T0, a, 45_600, 4800)).toEqual({ at: 2400, count: 2400, itemFrame: 0 });
    expect(overlap(T0, a, 96_000, 4800)).toEqual({ at: 0, count: 4800, itemFrame: 48_000 });
    // The end: 8 s is frame 384000, so the block from 381600 holds its last 2400 frames.
    expect(overlap(T0, a, 381_600, 4800)).toEqual({ at: 0, count: 2400, itemFrame: 336_000 - 2400 });
    expect(overlap(T0, a, 384_000, 4800)).toBeNull();
  });

  it('covers every frame of back-to-back items exactly once: no gap, no overlap', () => {
    const items = [item(0, 7000), item(7000, 13_500), item(13_500, 20_000)];
    const hits = new Uint8Array(frameAt(T0, T0 + 20_000));
    for (let from = 0; from < hits.length; from += 4800) {
      for (const i of items) {
        const o = overlap(T0, i, from, 4800);
        if (o) for (let k = 0; k < o.count; k++) hits[from + o.at + k]++;
      }
    }
    expect(hits.every((h) => h === 1)).toBe(true);
  });
});

describe('gain curves', () => {
  it('fades in and out with equal power, so a crossfade keeps the level', () => {
    for (const x of [0, 0.1, 0.25, 0.5, 0.9, 1]) expect(fadeInGain(x) ** 2 + fadeOutGain(x) ** 2).toBeCloseTo(1, 10);
    expect(fadeInGain(0)).toBe(0);
    expect(fadeInGain(1)).toBe(1);
    expect(fadeOutGain(0)).toBe(1);
    expect(fadeOutGain(1)).toBeCloseTo(0, 10);
  });

  it('gives an item its fade-in at the start, its fade-out before the end, 1 between and 0 outside', () => {
    const a = item(0, 6000, 1, 1);
    expect(itemGain(a, -1)).toBe(0);
    expect(itemGain(a, 0)).toBe(0);
    expect(itemGain(a, 24_000)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(itemGain(a, 48_000)).toBe(1);
    expect(itemGain(a, 3 * 48_000)).toBe(1);
    expect(itemGain(a, 5.5 * 48_000)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(itemGain(a, 6 * 48_000)).toBe(0);
  });

  it('mixes a planned 1 s crossfade of two like signals at a steady power', () => {
    const a = item(0, 7000, 0, 1);
    const b = item(6000, 13_000, 1, 0);
    const from = frameAt(T0, T0 + 6000);
    const out = new Float32Array(48_000 * 2);
    for (const i of [a, b]) {
      const o = overlap(T0, i, from, 48_000)!;
      mixInto(out, o.at, dc(o.count), o.count, i, o.itemFrame);
    }
    // Uncorrelated material keeps its power with equal-power fades; DC adds amplitudes, so it peaks at √2 mid-way.
    expect(out[0]).toBeCloseTo(0.5, 5);
    expect(out[24_000 * 2]).toBeCloseTo(0.5 * 2 * Math.SQRT1_2, 4);
    expect(Math.min(...out)).toBeGreaterThan(0.49);
  });
});

describe('signal helpers', () => {
  it('measures RMS in dBFS and clips to full scale', () => {
    expect(rmsDb(dc(100, 1))).toBeCloseTo(0, 6);
    expect(rmsDb(dc(100, 0.1))).toBeCloseTo(-20, 6);
    expect(rmsDb(new Float32Array(10))).toBe(-Infinity);
    const pcm = Float32Array.from([1.5, -2, 0.3]);
    clip(pcm);
    expect([...pcm]).toEqual([1, -1, Math.fround(0.3)]);
  });

  it('makes a continuous emergency tone at -20 dBFS whose blocks join without a jump', () => {
    const a = emergencyTone(4800, 0);
    const b = emergencyTone(4800, 4800);
    expect(rmsDb(a)).toBeCloseTo(-23, 0);
    const step = 2 * Math.PI * 440 / LIVE_SAMPLE_RATE * 0.1;
    expect(Math.abs(b[0] - a[a.length - 2])).toBeLessThan(step * 1.01);
  });
});

describe('the silence watch', () => {
  const quiet = new Float32Array(9600);
  const loud = dc(4800, 0.2);

  it('alerts after more than 2 s of silence outside planned breaks, once, and clears when sound returns', () => {
    const w = new SilenceWatch(-50, 2000);
    const changes: boolean[] = [];
    for (let i = 0; i < 20; i++) changes.push(w.feed(quiet, 100, false));
    expect(changes.slice(0, 20).filter(Boolean)).toHaveLength(0);
    expect(w.feed(quiet, 100, false)).toBe(true);
    expect(w.alerting).toBe(true);
    expect(w.feed(quiet, 100, false)).toBe(false);
    expect(w.feed(loud, 100, false)).toBe(true);
    expect(w.alerting).toBe(false);
  });

  it('does not count a planned break, however long', () => {
    const w = new SilenceWatch(-50, 2000);
    for (let i = 0; i < 100; i++) expect(w.feed(quiet, 100, true)).toBe(false);
    expect(w.silentMs).toBe(0);
  });
});

describe('live takeover crossfade', () => {
  it('moves from the plan to the live source with equal-power gains, and all the way at either end', () => {
    const frames = 4800;
    const plan = dc(frames, 0.5);
    const live = dc(frames, -0.25);
    const half = plan.slice();
    takeoverMix(half, live, 0, 0.5);
    // The first frame is all plan; halfway through the block the position is 0.25 (cos/sin of π/8).
    expect(half[0]).toBeCloseTo(0.5, 6);
    const x = 0.25;
    expect(half[(frames / 2) * 2]).toBeCloseTo(0.5 * fadeOutGain(x) - 0.25 * fadeInGain(x), 6);
    const full = plan.slice();
    takeoverMix(full, live, 1, 1);
    expect(full.every((v) => Math.abs(v + 0.25) < 1e-6)).toBe(true);
    // No live audio (the source underran): the plan fades back in under silence, never louder than itself.
    const back = plan.slice();
    takeoverMix(back, null, 1, 0.9);
    expect(back[0]).toBeCloseTo(0, 6);
    expect(Math.max(...back)).toBeLessThan(0.5 * fadeOutGain(0.9) + 1e-6);
  });
});

describe('ducking under the DJ voice', () => {
  it('glides down to the duck level, holds it while the voice speaks, and comes back up', async () => {
    const { duckGain, introWindow, INTRO_DELAY_SECONDS, DUCK_RELEASE_SECONDS } = await import('../../workers/live/mixer');
    const low = Math.pow(10, -12 / 20);
    const at = (s: number) => duckGain(Math.round(s * LIVE_SAMPLE_RATE), 3, -12);
    expect(at(0)).toBeCloseTo(1, 5);
    expect(at(INTRO_DELAY_SECONDS / 2)).toBeGreaterThan(low);
    expect(at(INTRO_DELAY_SECONDS / 2)).toBeLessThan(1);
    expect(at(INTRO_DELAY_SECONDS + 1)).toBeCloseTo(low, 5);
    expect(at(INTRO_DELAY_SECONDS + 3 + DUCK_RELEASE_SECONDS / 2)).toBeCloseTo((1 + low) / 2, 2);
    expect(at(INTRO_DELAY_SECONDS + 3 + DUCK_RELEASE_SECONDS + 0.01)).toBeCloseTo(1, 5);
    // No step anywhere: neighbouring frames differ by a hair.
    let worst = 0;
    for (let f = 1; f < 5 * LIVE_SAMPLE_RATE; f++) worst = Math.max(worst, Math.abs(duckGain(f, 3, -12) - duckGain(f - 1, 3, -12)));
    expect(worst).toBeLessThan(0.001);
    expect(introWindow(item(0, 10_000), 3)).toMatchObject({ start: T0 + INTRO_DELAY_SECONDS * 1000, end: T0 + INTRO_DELAY_SECONDS * 1000 + 3000 });
  });

  it('mixInto scales the item by the duck curve frame by frame', async () => {
    const { duckGain } = await import('../../workers/live/mixer');
    const out = new Float32Array(4800 * 2);
    const a = item(0, 10_000);
    mixInto(out, 0, dc(4800, 0.5), 4800, a, 48_000, (f) => duckGain(f, 3, -12));
    expect(out[0]).toBeCloseTo(0.5 * Math.pow(10, -12 / 20), 5);
  });
});
