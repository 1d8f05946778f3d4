/**
 * A photo's quality score (0–100) from measures on its pixels, each with a documented threshold (README, "Photo
 * analysis"): sharpness (variance of the Laplacian), clipped highlights and shadows, noise, resolution and tilt of
 * the vertical lines. Every measure past its threshold takes points off and says why in plain words.
 */
import type { PhotoMeasures } from '../../src/lib/photo-analysis';

/** Grey pixels, one byte each, rows top to bottom. */
export interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The thresholds and the most each costs; the README's table lists the same figures. */
export const QUALITY_THRESHOLDS = {
  /** Variance of the Laplacian at 1000 px on the long side under this reads as blurry. */
  sharpness: 100,
  /** Share of pixels at 250 or above. */
  clippedHighlights: 0.02,
  /** Share of pixels at 5 or below. */
  clippedShadows: 0.05,
  /** Noise sigma (8-bit levels) over this reads as noisy. */
  noise: 6,
  megapixels: 2,
  /** Degrees the vertical lines lean. */
  tiltDegrees: 1.5
} as const;

export const MAX_PENALTY = { sharpness: 45, clippedHighlights: 25, clippedShadows: 20, noise: 25, megapixels: 25, tiltDegrees: 20 } as const;

/** Variance of the 4-neighbour Laplacian: fine detail and edges make it large, blur makes it small. */
export function laplacianVariance({ data, width, height }: Grey): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = data[i - width]! + data[i + width]! + data[i - 1]! + data[i + 1]! - 4 * data[i]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Shares of pixels clipped white (≥ 250) and black (≤ 5). */
export function clipping({ data }: Grey): { highlights: number; shadows: number } {
  let high = 0;
  let low = 0;
  for (const v of data) {
    if (v >= 250) high++;
    else if (v <= 5) low++;
  }
  return { highlights: high / data.length, shadows: low / data.length };
}

/**
 * Noise sigma by Immerkær's fast estimate (a mask that cancels smooth shading and straight edges), over the pixels
 * away from strong edges only, so detail is not counted as noise. Measured at the photo's own resolution, since
 * scaling down averages noise away.
 */
export function noiseSigma({ data, width, height }: Grey): number {
  let sum = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const a = data[i - width - 1]!, b = data[i - width]!, c = data[i - width + 1]!;
      const d = data[i - 1]!, e = data[i]!, f = data[i + 1]!;
      const g = data[i + width - 1]!, h = data[i + width]!, k = data[i + width + 1]!;
      const gx = c + 2 * f + k - a - 2 * d - g;
      const gy = g + 2 * h + k - a - 2 * b - c;
      // An edge stronger than heavy noise alone makes (sigma 30 gives Sobel magnitudes around 150).
      if (Math.abs(gx) + Math.abs(gy) > 300) continue;
      sum += Math.abs(a - 2 * b + c - 2 * d + 4 * e - 2 * f + g - 2 * h + k);
      n++;
    }
  }
  return n === 0 ? 0 : (Math.sqrt(Math.PI / 2) * sum) / (6 * n);
}

/**
 * How far the near-vertical lines lean, degrees (positive: the tops lean right, clockwise): the strongest bin of a
 * magnitude-weighted histogram of edge directions within 20° of vertical (a Hough-like vote), refined to the
 * weighted mean of its neighbourhood. 0 when the photo has too few vertical edges to say.
 */
export function verticalTilt({ data, width, height }: Grey): number {
  const RANGE = 20;
  const BINS_PER_DEGREE = 4;
  const bins = new Float64Array(2 * RANGE * BINS_PER_DEGREE + 1);
  let votes = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const a = data[i - width - 1]!, b = data[i - width]!, c = data[i - width + 1]!;
      const d = data[i - 1]!, f = data[i + 1]!;
      const g = data[i + width - 1]!, h = data[i + width]!, k = data[i + width + 1]!;
      let gx = c + 2 * f + k - a - 2 * d - g;
      let gy = g + 2 * h + k - a - 2 * b - c;
      const magnitude = Math.hypot(gx, gy);
      if (magnitude < 200 || Math.abs(gx) < Math.abs(gy)) continue;
      if (gx < 0) [gx, gy] = [-gx, -gy];
      // A vertical edge has a horizontal gradient; the edge leans by the gradient's angle from horizontal.
      const angle = (Math.atan2(gy, gx) * 180) / Math.PI;
      if (Math.abs(angle) > RANGE) continue;
      bins[Math.round((angle + RANGE) * BINS_PER_DEGREE)]! += magnitude;
      votes++;
    }
  }
  if (votes < 0.002 * width * height) return 0;
  let peak = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[peak]!) peak = i;
  let weight = 0;
  let moment = 0;
  for (let i = Math.max(0, peak - BINS_PER_DEGREE); i <= Math.min(bins.length - 1, peak + BINS_PER_DEGREE); i++) {
    weight += bins[i]!;
    moment += bins[i]! * (i / BINS_PER_DEGREE - RANGE);
  }
  return weight > 0 ? moment / weight : 0;
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
const percent = (share: number) => `${round(share * 100)}%`;

/** The score and the reasons, from the measures: 100 less each measure's penalty past its threshold. */
export function scoreQuality(m: PhotoMeasures): { score: number; reasons: string[] } {
  const t = QUALITY_THRESHOLDS;
  const reasons: string[] = [];
  let penalty = 0;
  const take = (points: number, max: number, reason: string) => {
    penalty += Math.min(max, Math.max(1, Math.round(points)));
    reasons.push(reason);
  };
  if (m.sharpness < t.sharpness) take(MAX_PENALTY.sharpness * (1 - m.sharpness / t.sharpness) + 5, MAX_PENALTY.sharpness, `Blurry: sharpness ${round(m.sharpness, 0)} (under ${t.sharpness})`);
  if (m.clippedHighlights > t.clippedHighlights) take(5 + 100 * m.clippedHighlights, MAX_PENALTY.clippedHighlights, `Overexposed: ${percent(m.clippedHighlights)} of pixels clipped white (over ${percent(t.clippedHighlights)})`);
  if (m.clippedShadows > t.clippedShadows) take(5 + 60 * m.clippedShadows, MAX_PENALTY.clippedShadows, `Underexposed: ${percent(m.clippedShadows)} of pixels clipped black (over ${percent(t.clippedShadows)})`);
  if (m.noise > t.noise) take(5 + 2 * (m.noise - t.noise), MAX_PENALTY.noise, `Noisy: noise ${round(m.noise)} levels (over ${t.noise})`);
  if (m.megapixels < t.megapixels) take(10 + 15 * (1 - m.megapixels / t.megapixels), MAX_PENALTY.megapixels, `Low resolution: ${round(m.megapixels, 2)} MP (under ${t.megapixels} MP)`);
  if (Math.abs(m.tiltDegrees) > t.tiltDegrees) take(5 + 3 * Math.abs(m.tiltDegrees), MAX_PENALTY.tiltDegrees, `Tilted: verticals lean ${round(Math.abs(m.tiltDegrees))}° ${m.tiltDegrees > 0 ? 'right' : 'left'} (over ${t.tiltDegrees}°)`);
  return { score: Math.max(0, 100 - penalty), reasons };
}
