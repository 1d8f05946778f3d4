/** Precomputed peaks (BBC audiowaveform JSON, 8 bit) as the library draws them. */

export interface Peaks {
  /** Per pixel of the original analysis, normalised to -1..1. */
  min: Float32Array;
  max: Float32Array;
  sampleRate: number;
  samplesPerPixel: number;
}

interface WaveformJson {
  data: number[];
  length?: number;
  bits?: number;
  samples_per_pixel?: number;
  sample_rate?: number;
  channels?: number;
}

export function parseWaveform(json: WaveformJson): Peaks {
  if (!json || !Array.isArray(json.data)) throw new Error('not a waveform');
  const channels = Math.max(1, json.channels ?? 1);
  const scale = json.bits === 16 ? 32768 : 128;
  const pairs = Math.floor(json.data.length / (2 * channels));
  const min = new Float32Array(pairs);
  const max = new Float32Array(pairs);
  for (let i = 0; i < pairs; i++) {
    let lo = 0;
    let hi = 0;
    // Several channels (audiowaveform --split-channels): the widest of them.
    for (let c = 0; c < channels; c++) {
      lo = Math.min(lo, json.data[(i * channels + c) * 2]! / scale);
      hi = Math.max(hi, json.data[(i * channels + c) * 2 + 1]! / scale);
    }
    min[i] = Math.max(-1, lo);
    max[i] = Math.min(1, hi);
  }
  return { min, max, sampleRate: json.sample_rate ?? 0, samplesPerPixel: json.samples_per_pixel ?? 0 };
}

/** Keyed by the variant's content hash: its signed URL changes every few minutes, the bytes do not. */
const cache = new Map<string, Promise<Peaks>>();

export function loadPeaks(key: string, url: string): Promise<Peaks> {
  let p = cache.get(key);
  if (!p) {
    p = fetch(url, { headers: { accept: 'application/json' } })
      .then((r) => {
        if (!r.ok) throw new Error(`waveform answered ${r.status}`);
        return r.json();
      })
      .then(parseWaveform);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** The peaks as wavesurfer or any player wants them: one Float32Array of the larger magnitude per pixel. */
export function toMonoPeaks(p: Peaks): Float32Array {
  const out = new Float32Array(p.max.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(p.max[i]!, -p.min[i]!);
  return out;
}

/**
 * Draws `peaks` into `canvas` at its CSS size (crisp on HiDPI), mirrored around the middle: the library's thumbnails.
 * Quiet files are scaled up so their shape shows, but never more than 20×.
 */
export function drawPeaks(canvas: HTMLCanvasElement, peaks: Peaks, opts: { color: string }) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth;
  const cssH = canvas.clientHeight;
  if (!cssW || !cssH) return;
  const w = Math.round(cssW * dpr);
  const h = Math.round(cssH * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, w, h);
  const n = peaks.max.length;
  if (!n) return;
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, peaks.max[i]!, -peaks.min[i]!);
  const gain = 1 / Math.max(top, 0.05);
  const mid = h / 2;
  const bar = Math.max(1, Math.round(dpr * 2));
  const gap = dpr >= 2 ? Math.round(dpr) : 1;
  const step = bar + gap;
  for (let x = 0; x < w; x += step) {
    const from = Math.floor((x / w) * n);
    const to = Math.max(from + 1, Math.floor(((x + step) / w) * n));
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to && i < n; i++) {
      lo = Math.min(lo, peaks.min[i]!);
      hi = Math.max(hi, peaks.max[i]!);
    }
    const yTop = mid - Math.max(hi * gain, 0.02) * (mid - 1);
    const yBottom = mid - Math.min(lo * gain, -0.02) * (mid - 1);
    ctx.fillStyle = opts.color;
    ctx.fillRect(x, yTop, bar, Math.max(1, yBottom - yTop));
  }
}
