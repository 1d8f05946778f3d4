/**
 * The staged picture: each placement's cut-out warped onto the room photo (scale, rotation and perspective in one
 * projective warp: sharp has no perspective operation), its drop shadow under it, bottom layer first, then the
 * "Virtually staged" mark.
 */
import sharp from 'sharp';
import type { StagingPlacement } from '../../src/lib/editor/model/brief/placement';
import { invert, placementQuad, project, squareToQuad } from '../../src/lib/staging/placement-geometry';
import { markRaw } from './staged-mark';

export interface StagingLayer {
  placement: StagingPlacement;
  /** The cut-out's file or bytes (with alpha; an image without it is drawn opaque). */
  cutout: Buffer | string;
}

const LIMIT = { limitInputPixels: 150_000_000, failOn: 'error' as const };

interface Rgba {
  data: Buffer;
  width: number;
  height: number;
}

/** The cut-out at about the size it lands at (so the warp samples close to 1:1), mirrored when flipped, RGBA. */
async function cutoutPixels(layer: StagingLayer, targetWidth: number): Promise<Rgba> {
  let img = sharp(layer.cutout, LIMIT).rotate().ensureAlpha();
  const meta = await sharp(layer.cutout, LIMIT).metadata();
  const srcWidth = meta.autoOrient?.width ?? meta.width ?? 1;
  const width = Math.max(1, Math.min(8000, Math.round(targetWidth)));
  if (Math.abs(width - srcWidth) > 1) img = img.resize({ width, kernel: 'lanczos3' });
  if (layer.placement.flip) img = img.flop();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Bilinear RGBA sample with premultiplied alpha (no dark fringes at the cut-out's edge), or null outside. */
function sample(src: Rgba, x: number, y: number, out: Float64Array): boolean {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const tx = fx - x0;
  const ty = fy - y0;
  out.fill(0);
  for (let j = 0; j < 2; j++) {
    const yy = Math.min(src.height - 1, Math.max(0, y0 + j));
    const wy = j ? ty : 1 - ty;
    for (let i = 0; i < 2; i++) {
      const xx = Math.min(src.width - 1, Math.max(0, x0 + i));
      const w = wy * (i ? tx : 1 - tx);
      const k = (yy * src.width + xx) * 4;
      const a = (src.data[k + 3] / 255) * w;
      out[0] += src.data[k] * a;
      out[1] += src.data[k + 1] * a;
      out[2] += src.data[k + 2] * a;
      out[3] += a;
    }
  }
  return out[3] > 0;
}

/** Warps the cut-out onto its quad in room pixels: premultiplied RGB and alpha per room pixel of the quad's bounds. */
function warp(src: Rgba, placement: StagingPlacement, roomWidth: number, roomHeight: number) {
  const quad = placementQuad(placement, roomWidth, roomHeight, src.height / src.width);
  const inverse = invert(squareToQuad(quad));
  const left = Math.max(0, Math.floor(Math.min(...quad.map((p) => p[0]))));
  const top = Math.max(0, Math.floor(Math.min(...quad.map((p) => p[1]))));
  const right = Math.min(roomWidth, Math.ceil(Math.max(...quad.map((p) => p[0]))));
  const bottom = Math.min(roomHeight, Math.ceil(Math.max(...quad.map((p) => p[1]))));
  const w = Math.max(0, right - left);
  const h = Math.max(0, bottom - top);
  const rgb = new Float32Array(w * h * 3);
  const alpha = new Float32Array(w * h);
  if (!inverse || w === 0 || h === 0) return { left, top, w, h, rgb, alpha };
  const px = new Float64Array(4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [u, v] = project(inverse, left + x + 0.5, top + y + 0.5);
      if (u < 0 || u > 1 || v < 0 || v > 1) continue;
      if (!sample(src, u * src.width, v * src.height, px)) continue;
      const k = y * w + x;
      rgb[k * 3] = px[0];
      rgb[k * 3 + 1] = px[1];
      rgb[k * 3 + 2] = px[2];
      alpha[k] = px[3];
    }
  }
  return { left, top, w, h, rgb, alpha };
}

/** Darkens the room under the layer's blurred, offset silhouette. */
async function dropShadow(room: Buffer, roomWidth: number, roomHeight: number, layer: ReturnType<typeof warp>, placement: StagingPlacement): Promise<void> {
  const { opacity, blur, offsetX, offsetY } = placement.shadow;
  if (opacity <= 0 || layer.w === 0) return;
  const sigma = blur * roomWidth;
  const pad = Math.ceil(sigma * 3) + 1;
  const ox = Math.round(offsetX * roomWidth);
  const oy = Math.round(offsetY * roomWidth);
  const left = Math.max(0, layer.left + ox - pad);
  const top = Math.max(0, layer.top + oy - pad);
  const right = Math.min(roomWidth, layer.left + ox + layer.w + pad);
  const bottom = Math.min(roomHeight, layer.top + oy + layer.h + pad);
  const w = right - left;
  const h = bottom - top;
  if (w <= 0 || h <= 0) return;
  const mask = Buffer.alloc(w * h);
  for (let y = 0; y < layer.h; y++) {
    const my = layer.top + oy + y - top;
    if (my < 0 || my >= h) continue;
    for (let x = 0; x < layer.w; x++) {
      const mx = layer.left + ox + x - left;
      if (mx >= 0 && mx < w) mask[my * w + mx] = Math.round(layer.alpha[y * layer.w + x] * 255);
    }
  }
  // extractChannel: sharp hands a one-channel raw input back as three channels.
  const blurred = sigma >= 0.3 ? await sharp(mask, { raw: { width: w, height: h, channels: 1 } }).blur(sigma).extractChannel(0).raw().toBuffer() : mask;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = (blurred[y * w + x] / 255) * opacity;
      if (m === 0) continue;
      const k = ((top + y) * roomWidth + left + x) * 3;
      room[k] = Math.round(room[k] * (1 - m));
      room[k + 1] = Math.round(room[k + 1] * (1 - m));
      room[k + 2] = Math.round(room[k + 2] * (1 - m));
    }
  }
}

function paint(room: Buffer, roomWidth: number, layer: ReturnType<typeof warp>): void {
  for (let y = 0; y < layer.h; y++) {
    for (let x = 0; x < layer.w; x++) {
      const k = y * layer.w + x;
      const a = layer.alpha[k];
      if (a === 0) continue;
      const r = ((layer.top + y) * roomWidth + layer.left + x) * 3;
      for (let c = 0; c < 3; c++) room[r + c] = Math.max(0, Math.min(255, Math.round(layer.rgb[k * 3 + c] + room[r + c] * (1 - a))));
    }
  }
}

/** The room photo with the layers (bottom first) and the mark, as JPEG, at the room photo's own size. */
export async function renderStaging(room: Buffer | string, layers: readonly StagingLayer[], onProgress?: (fraction: number) => void): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(room, LIMIT).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = info.width;
  const H = info.height;
  for (const [i, layer] of layers.entries()) {
    const src = await cutoutPixels(layer, layer.placement.width * W);
    const warped = warp(src, layer.placement, W, H);
    await dropShadow(data, W, H, warped, layer.placement);
    paint(data, W, warped);
    onProgress?.((i + 1) / (layers.length + 1));
  }
  return markRaw(data, W, H);
}
