/**
 * Frames composed by the worker in yuv420p: a pre-scaled still is sampled bilinearly through a moving view rectangle
 * (sub-pixel positions, no scaler set-up per frame), crossfaded, and overlaid with small marks.
 */

/** A yuv420p picture: Y at full size, U and V at half size (width and height even). */
export interface Yuv {
  width: number;
  height: number;
  data: Uint8Array;
}

export function yuvSize(width: number, height: number): number {
  return width * height * 1.5;
}

/** RGB (packed, 3 channels) to yuv420p, BT.709 limited range (how the encoder tags its output). */
export function rgbToYuv(rgb: Uint8Array | Buffer, width: number, height: number): Yuv {
  const data = new Uint8Array(yuvSize(width, height));
  const cw = width >> 1;
  const uOff = width * height;
  const vOff = uOff + cw * (height >> 1);
  for (let i = 0, p = 0; i < uOff; i++, p += 3) data[i] = 16 + ((46.742 * rgb[p]! + 157.243 * rgb[p + 1]! + 15.874 * rgb[p + 2]!) / 256 + 0.5) | 0;
  for (let y = 0; y < height >> 1; y++) {
    let a = 2 * y * width * 3;
    let b = a + width * 3;
    for (let x = 0, c = y * cw; x < cw; x++, c++, a += 6, b += 6) {
      // The chroma of a 2×2 block is the mean of its four pixels.
      const r = (rgb[a]! + rgb[a + 3]! + rgb[b]! + rgb[b + 3]!) / 4;
      const g = (rgb[a + 1]! + rgb[a + 4]! + rgb[b + 1]! + rgb[b + 4]!) / 4;
      const bl = (rgb[a + 2]! + rgb[a + 5]! + rgb[b + 2]! + rgb[b + 5]!) / 4;
      // Both stay within 16–240 for any RGB (the matrix's rows sum to 0, their positive parts to 112.439), so no clamp.
      data[uOff + c] = (128.5 + (-25.765 * r - 86.674 * g + 112.439 * bl) / 256) | 0;
      data[vOff + c] = (128.5 + (112.439 * r - 102.129 * g - 10.31 * bl) / 256) | 0;
    }
  }
  return { width, height, data };
}

/** A view rectangle in source pixels (fractional). */
export interface View {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Bilinear sampling of one plane, separably: the two source rows a destination row falls between are blended into
 * `row` (16-bit, four bytes a step: two 16-bit lanes per 32-bit multiply), then `row` is interpolated across, four
 * destination bytes a store. The sums are the same as the direct four-tap form, so frames do not change.
 * Needs source and destination planes at offsets and widths that are multiples of 4 (the stills are made so).
 */
function samplePlane(src: Uint32Array, sOff: number, sw: number, sh: number, dst: Uint8Array, dst32: Uint32Array, dOff: number, dw: number, dh: number, v: View, cols: Int32Array, row: Uint16Array): void {
  const kx = v.w / dw;
  const ky = v.h / dh;
  for (let x = 0; x < dw; x++) {
    let sx = v.x + (x + 0.5) * kx - 0.5;
    if (sx < 0) sx = 0;
    if (sx > sw - 1) sx = sw - 1;
    const i = Math.min(sw - 2, Math.floor(sx));
    // Index and weight in one entry: one load per destination pixel.
    cols[x] = (i << 9) | Math.round((sx - i) * 256);
  }
  const q0 = cols[0]! >> 11;
  const q1 = ((cols[dw - 1]! >> 9) + 1) >> 2;
  const quads = sw >> 2;
  const body = dw & ~3;
  for (let y = 0; y < dh; y++) {
    let sy = v.y + (y + 0.5) * ky - 0.5;
    if (sy < 0) sy = 0;
    if (sy > sh - 1) sy = sh - 1;
    const j = Math.min(sh - 2, Math.floor(sy));
    const wy = Math.round((sy - j) * 256);
    const wy0 = 256 - wy;
    const r0 = (sOff >> 2) + j * quads;
    const r1 = r0 + quads;
    for (let q = q0; q <= q1; q++) {
      const a = src[r0 + q]!;
      const b = src[r1 + q]!;
      // Each lane ≤ 255·256: two fit a 32-bit word.
      const even = (Math.imul(a & 0xff00ff, wy0) + Math.imul(b & 0xff00ff, wy)) >>> 0;
      const odd = (Math.imul((a >>> 8) & 0xff00ff, wy0) + Math.imul((b >>> 8) & 0xff00ff, wy)) >>> 0;
      const k = q << 2;
      row[k] = even & 0xffff;
      row[k + 1] = odd & 0xffff;
      row[k + 2] = even >>> 16;
      row[k + 3] = odd >>> 16;
    }
    const o = dOff + y * dw;
    let x = 0;
    for (let o32 = o >> 2; x < body; x += 4, o32++) {
      let c = cols[x]!, i = c >> 9, w = c & 511, t = row[i]!;
      const p0 = (t * 256 + (row[i + 1]! - t) * w + 32768) >> 16;
      c = cols[x + 1]!; i = c >> 9; w = c & 511; t = row[i]!;
      const p1 = (t * 256 + (row[i + 1]! - t) * w + 32768) >> 16;
      c = cols[x + 2]!; i = c >> 9; w = c & 511; t = row[i]!;
      const p2 = (t * 256 + (row[i + 1]! - t) * w + 32768) >> 16;
      c = cols[x + 3]!; i = c >> 9; w = c & 511; t = row[i]!;
      const p3 = (t * 256 + (row[i + 1]! - t) * w + 32768) >> 16;
      dst32[o32] = p0 | (p1 << 8) | (p2 << 16) | (p3 << 24);
    }
    for (; x < dw; x++) {
      const c = cols[x]!, i = c >> 9, t = row[i]!;
      dst[o + x] = (t * 256 + (row[i + 1]! - t) * (c & 511) + 32768) >> 16;
    }
  }
}

/** Still sizes the sampler reads four bytes at a time: the luma width a multiple of 8, so each chroma row is whole words. */
export function stillWidth(min: number): number {
  return Math.ceil(min / 8) * 8;
}

/** Reusable scratch for one output size. */
export class Sampler {
  private readonly cols: Int32Array;
  private row = new Uint16Array(0);
  constructor(readonly width: number, readonly height: number) {
    if (width % 4 || height % 2) throw new Error(`frames are ${width}×${height}: the width must be a multiple of 4, the height even`);
    this.cols = new Int32Array(width);
  }

  /** Writes the view of `src` into `dst` (a frame of this sampler's size). */
  sample(src: Yuv, view: View, dst: Uint8Array): void {
    const { width: W, height: H } = this;
    if (src.width % 8 || src.height % 2 || src.data.byteOffset % 4) throw new Error(`a still of ${src.width}×${src.height} cannot be sampled a word at a time`);
    const words = new Uint32Array(src.data.buffer, src.data.byteOffset, src.data.byteLength >> 2);
    const dst32 = new Uint32Array(dst.buffer, dst.byteOffset, dst.byteLength >> 2);
    if (this.row.length < src.width + 4) this.row = new Uint16Array(src.width + 4);
    const row = this.row;
    samplePlane(words, 0, src.width, src.height, dst, dst32, 0, W, H, view, this.cols, row);
    const half = { x: view.x / 2, y: view.y / 2, w: view.w / 2, h: view.h / 2 };
    const sw = src.width >> 1, sh = src.height >> 1;
    const sU = src.width * src.height;
    const sV = sU + sw * sh;
    const dU = W * H;
    const dV = dU + (W >> 1) * (H >> 1);
    samplePlane(words, sU, sw, sh, dst, dst32, dU, W >> 1, H >> 1, half, this.cols, row);
    samplePlane(words, sV, sw, sh, dst, dst32, dV, W >> 1, H >> 1, half, this.cols, row);
  }
}

/** dst = a·(1−t) + b·t, per sample (four a step: two 16-bit lanes per multiply). */
export function crossfade(a: Uint8Array, b: Uint8Array, t: number, dst: Uint8Array): void {
  const w = Math.round(t * 256);
  const w0 = 256 - w;
  const n = dst.length >> 2;
  const a32 = new Uint32Array(a.buffer, a.byteOffset, n);
  const b32 = new Uint32Array(b.buffer, b.byteOffset, n);
  const d32 = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const p = a32[i]!;
    const q = b32[i]!;
    const even = ((Math.imul(p & 0xff00ff, w0) + Math.imul(q & 0xff00ff, w) + 0x800080) >>> 8) & 0xff00ff;
    const odd = (Math.imul((p >>> 8) & 0xff00ff, w0) + Math.imul((q >>> 8) & 0xff00ff, w) + 0x800080) & 0xff00ff00;
    d32[i] = even | odd;
  }
  for (let i = n << 2; i < dst.length; i++) dst[i] = (a[i]! * w0 + b[i]! * w + 128) >> 8;
}

/** A small picture with alpha, placed at an even position of a frame (drawn on every frame it covers). */
export interface Overlay {
  x: number;
  y: number;
  yuv: Yuv;
  /** Alpha 0–255 at full size. */
  alpha: Uint8Array;
}

export function drawOverlay(frame: Uint8Array, W: number, H: number, o: Overlay): void {
  const { width: w, height: h, data } = o.yuv;
  for (let y = 0; y < h; y++) {
    const fy = o.y + y;
    if (fy < 0 || fy >= H) continue;
    for (let x = 0; x < w; x++) {
      const fx = o.x + x;
      if (fx < 0 || fx >= W) continue;
      const a = o.alpha[y * w + x]!;
      if (!a) continue;
      const i = fy * W + fx;
      frame[i] = (frame[i]! * (255 - a) + data[y * w + x]! * a + 127) / 255;
    }
  }
  const cw = w >> 1, ch = h >> 1, CW = W >> 1, CH = H >> 1;
  const sU = w * h, sV = sU + cw * ch, dU = W * H, dV = dU + CW * CH;
  for (let y = 0; y < ch; y++) {
    const fy = (o.y >> 1) + y;
    if (fy < 0 || fy >= CH) continue;
    for (let x = 0; x < cw; x++) {
      const fx = (o.x >> 1) + x;
      if (fx < 0 || fx >= CW) continue;
      const a = o.alpha[2 * y * w + 2 * x]!;
      if (!a) continue;
      const i = fy * CW + fx;
      frame[dU + i] = (frame[dU + i]! * (255 - a) + data[sU + y * cw + x]! * a + 127) / 255;
      frame[dV + i] = (frame[dV + i]! * (255 - a) + data[sV + y * cw + x]! * a + 127) / 255;
    }
  }
}
