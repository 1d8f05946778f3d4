import { describe, expect, it } from 'vitest';
import type { View, Yuv } from '../../workers/listing/frames';
import { loadSampler, Sampler } from '../../workers/listing/sampler';

/** A small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 12;
    return (s >>> 0) / 2 ** 32;
  };
}

function randomStill(width: number, height: number, next: () => number): Yuv {
  const data = new Uint8Array(width * height * 1.5);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return { width, height, data };
}

/** The direct four-tap form: each output from its four source neighbours, weights in 1/256, one rounding. */
function referencePlane(src: Uint8Array, off: number, sw: number, sh: number, dw: number, dh: number, v: View): Uint8Array {
  const out = new Uint8Array(dw * dh);
  const at = (s: number, size: number, k: number) => {
    const c = Math.min(size - 1, Math.max(0, s));
    const i = Math.min(size - 2, Math.floor(c));
    return [i, Math.round((c - i) * 256)] as const;
  };
  for (let y = 0; y < dh; y++) {
    const [j, wy] = at(v.y + (y + 0.5) * (v.h / dh) - 0.5, sh, y);
    for (let x = 0; x < dw; x++) {
      const [i, wx] = at(v.x + (x + 0.5) * (v.w / dw) - 0.5, sw, x);
      const p = (r: number, c: number) => src[off + r * sw + c]!;
      const top = p(j, i) * (256 - wy) + p(j + 1, i) * wy;
      const next = p(j, i + 1) * (256 - wy) + p(j + 1, i + 1) * wy;
      out[y * dw + x] = (top * (256 - wx) + next * wx + 32768) >> 16;
    }
  }
  return out;
}

function reference(src: Yuv, W: number, H: number, v: View): Uint8Array {
  const { width: sw, height: sh, data } = src;
  const half = { x: v.x / 2, y: v.y / 2, w: v.w / 2, h: v.h / 2 };
  const out = new Uint8Array(W * H * 1.5);
  out.set(referencePlane(data, 0, sw, sh, W, H, v), 0);
  out.set(referencePlane(data, sw * sh, sw >> 1, sh >> 1, W >> 1, H >> 1, half), W * H);
  out.set(referencePlane(data, sw * sh + (sw >> 1) * (sh >> 1), sw >> 1, sh >> 1, W >> 1, H >> 1, half), W * H + (W >> 1) * (H >> 1));
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('the Ken Burns sampler (WebAssembly SIMD)', () => {
  it('matches the direct four-tap form exactly over random stills and views, zooming in and out, at the edges', async () => {
    const kernel = await loadSampler();
    const next = random(7);
    // 216 wide: the chroma rows (108) end in outputs past the last block of eight.
    for (const [W, H, sw, sh] of [[200, 112, 232, 130], [216, 384, 248, 442], [64, 64, 96, 96], [64, 48, 200, 150]] as const) {
      const sampler = new Sampler(W, H, kernel);
      const still = randomStill(sw, sh, next);
      const frame = new Uint8Array(W * H * 1.5);
      for (let k = 0; k < 25; k++) {
        // From 0.5 source pixels an output (upsampling) to 3 (past what blocks of eight can gather: the one-by-one path).
        const scale = 0.5 + next() * 2.5;
        const w = Math.min(sw, W * scale);
        const h = Math.min(sh, H * scale);
        const view = { x: next() * (sw - w) - (k % 5 === 0 ? 3 : 0), y: next() * (sh - h), w, h };
        sampler.sample(still, view, frame);
        expect(firstDifference(frame, reference(still, W, H, view)), `${W}×${H} from ${sw}×${sh}, view ${JSON.stringify(view)}`).toBe(-1);
      }
    }
  });

  it('keeps four stills in its memory and brings back one it dropped, unchanged', async () => {
    const kernel = await loadSampler();
    const next = random(11);
    const sampler = new Sampler(64, 48, kernel);
    const stills = Array.from({ length: 6 }, () => randomStill(80, 60, next));
    const view = { x: 3.25, y: 2.5, w: 70.5, h: 52.875 };
    const frame = new Uint8Array(64 * 48 * 1.5);
    // Alternating over six stills, more than the four slots: every frame is still its own still's.
    for (const i of [0, 1, 2, 3, 4, 5, 0, 3, 1, 5, 2, 0]) {
      sampler.sample(stills[i]!, view, frame);
      expect(firstDifference(frame, reference(stills[i]!, 64, 48, view))).toBe(-1);
    }
  });

  it('refuses frame and still sizes it cannot read in steps of eight', async () => {
    const kernel = await loadSampler();
    expect(() => new Sampler(100, 50, kernel)).toThrow(/multiple of 8/);
    const sampler = new Sampler(64, 48, kernel);
    expect(() => sampler.sample({ width: 70, height: 60, data: new Uint8Array(70 * 60 * 1.5) }, { x: 0, y: 0, w: 64, h: 48 }, new Uint8Array(64 * 48 * 1.5))).toThrow(/cannot be sampled/);
  });
});
