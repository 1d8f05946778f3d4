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
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
      data[y * width + x] = 16 + ((46.742 * r + 157.243 * g + 15.874 * b) / 256 + 0.5) | 0;
    }
  }
  for (let y = 0; y < height >> 1; y++) {
    for (let x = 0; x < cw; x++) {
      // The chroma of a 2×2 block is the mean of its four pixels.
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const i = ((2 * y + dy) * width + 2 * x + dx) * 3;
        r += rgb[i]!;
        g += rgb[i + 1]!;
        b += rgb[i + 2]!;
      }
      r /= 4; g /= 4; b /= 4;
      data[uOff + y * cw + x] = Math.min(240, Math.max(16, Math.round(128 + (-25.765 * r - 86.674 * g + 112.439 * b) / 256)));
      data[vOff + y * cw + x] = Math.min(240, Math.max(16, Math.round(128 + (112.439 * r - 102.129 * g - 10.310 * b) / 256)));
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

function samplePlane(src: Uint8Array, sOff: number, sw: number, sh: number, dst: Uint8Array, dOff: number, dw: number, dh: number, v: View, xi: Int32Array, xw: Int32Array): void {
  const kx = v.w / dw;
  const ky = v.h / dh;
  for (let x = 0; x < dw; x++) {
    let sx = v.x + (x + 0.5) * kx - 0.5;
    if (sx < 0) sx = 0;
    if (sx > sw - 1) sx = sw - 1;
    const i = Math.min(sw - 2, Math.floor(sx));
    xi[x] = i;
    xw[x] = Math.round((sx - i) * 256);
  }
  for (let y = 0; y < dh; y++) {
    let sy = v.y + (y + 0.5) * ky - 0.5;
    if (sy < 0) sy = 0;
    if (sy > sh - 1) sy = sh - 1;
    const j = Math.min(sh - 2, Math.floor(sy));
    const wy = Math.round((sy - j) * 256);
    const r0 = sOff + j * sw;
    const r1 = r0 + sw;
    const o = dOff + y * dw;
    for (let x = 0; x < dw; x++) {
      const i = xi[x]!;
      const wx = xw[x]!;
      const top = src[r0 + i]! * (256 - wx) + src[r0 + i + 1]! * wx;
      const bottom = src[r1 + i]! * (256 - wx) + src[r1 + i + 1]! * wx;
      dst[o + x] = (top * (256 - wy) + bottom * wy + 32768) >> 16;
    }
  }
}

/** Reusable scratch for one output size. */
export class Sampler {
  private readonly xi: Int32Array;
  private readonly xw: Int32Array;
  constructor(readonly width: number, readonly height: number) {
    this.xi = new Int32Array(width);
    this.xw = new Int32Array(width);
  }

  /** Writes the view of `src` into `dst` (a frame of this sampler's size). */
  sample(src: Yuv, view: View, dst: Uint8Array): void {
    const { width: W, height: H } = this;
    samplePlane(src.data, 0, src.width, src.height, dst, 0, W, H, view, this.xi, this.xw);
    const half = { x: view.x / 2, y: view.y / 2, w: view.w / 2, h: view.h / 2 };
    const sw = src.width >> 1, sh = src.height >> 1;
    const sU = src.width * src.height;
    const sV = sU + sw * sh;
    const dU = W * H;
    const dV = dU + (W >> 1) * (H >> 1);
    samplePlane(src.data, sU, sw, sh, dst, dU, W >> 1, H >> 1, half, this.xi, this.xw);
    samplePlane(src.data, sV, sw, sh, dst, dV, W >> 1, H >> 1, half, this.xi, this.xw);
  }
}

/** dst = a·(1−t) + b·t, per sample. */
export function crossfade(a: Uint8Array, b: Uint8Array, t: number, dst: Uint8Array): void {
  const w = Math.round(t * 256);
  for (let i = 0; i < dst.length; i++) dst[i] = (a[i]! * (256 - w) + b[i]! * w + 128) >> 8;
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
