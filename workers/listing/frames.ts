/**
 * Frames composed by the worker in yuv420p: stills converted from RGB, sampled through a moving view rectangle
 * (sampler.ts), crossfaded, and overlaid with small marks.
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
