// Finding where a tone starts in decoded audio: the playout benchmark's measuring instrument.

/** Amplitude of `freq` in x[from, from + n) (Goertzel), scaled so a full-scale sine of that frequency gives ~1. */
export function toneAmplitude(x: Float32Array, from: number, n: number, freq: number, rate: number): number {
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = x[from + i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

export interface OnsetOptions {
  /** Analysis window, in samples (10 ms at 16 kHz resolves tones 100 Hz apart). */
  window?: number;
  /** Step between windows, in samples. */
  hop?: number;
  /** How long the tone must then hold at half its level, in ms: a click or a crossfade's tail is not an onset. */
  holdMs?: number;
  /** Below this steady amplitude the tone is not there at all. */
  minAmplitude?: number;
}

/**
 * Where `freq` starts in `pcm` (mono, `rate` Hz): the centre of the first window whose amplitude reaches half the
 * tone's steady level (its 90th percentile here) and holds there, interpolated between windows — for an abrupt
 * onset that is the onset itself, to a millisecond or two. Seconds from the first sample, or null when the tone is
 * absent or already sounding at the first window (the onset is not inside `pcm`).
 */
export function toneOnset(pcm: Float32Array, rate: number, freq: number, opts: OnsetOptions = {}): number | null {
  const window = opts.window ?? Math.round(rate / 100);
  const hop = opts.hop ?? Math.max(1, Math.round(rate / 1000));
  const hold = Math.round(((opts.holdMs ?? 200) * rate) / 1000 / hop);
  const count = Math.floor((pcm.length - window) / hop) + 1;
  if (count < hold + 2) return null;
  const amp = new Float64Array(count);
  for (let k = 0; k < count; k++) amp[k] = toneAmplitude(pcm, k * hop, window, freq, rate);
  const sorted = Float64Array.from(amp).sort();
  const steady = sorted[Math.floor(0.9 * (count - 1))];
  if (steady < (opts.minAmplitude ?? 0.01)) return null;
  const half = steady / 2;
  for (let k = 0; k + hold < count; k++) {
    if (amp[k] < half) continue;
    let holds = true;
    for (let j = k + 1; j <= k + hold; j++) if (amp[j] < half) holds = false;
    if (!holds) continue;
    if (k === 0) return null;
    // Linear interpolation of the half-level crossing between windows k-1 and k.
    const frac = (half - amp[k - 1]) / (amp[k] - amp[k - 1]);
    return ((k - 1 + frac) * hop + window / 2) / rate;
  }
  return null;
}
