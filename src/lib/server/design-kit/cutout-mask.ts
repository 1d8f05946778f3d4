import sharp from 'sharp';
import { ApiError } from '../http/api-error';
import type { CutoutRefiner } from './cutout-refinement';

/**
 * Cuts the area inside a drawn outline out of a photo: a polygon mask (points in 0–1 of the photo), its edge
 * feathered by a Gaussian blur of `feather` px, as the alpha of a PNG cropped to the outline. With a `refiner` (an
 * operator's segmentation model), the model's object mask within the outline replaces the feathered polygon.
 */
export async function cutOutPolygon(
  photo: Buffer | string,
  points: readonly (readonly [number, number])[],
  feather: number,
  refiner?: CutoutRefiner
): Promise<{ data: Buffer; width: number; height: number; refined: boolean }> {
  let source;
  let W;
  let H;
  try {
    source = sharp(photo, { limitInputPixels: 150_000_000, failOn: 'error' }).rotate();
    const meta = await source.metadata();
    W = meta.autoOrient?.width ?? meta.width;
    H = meta.autoOrient?.height ?? meta.height;
  } catch {
    throw new ApiError(422, 'not_an_image', 'The photo could not be decoded.');
  }
  const px = points.map(([x, y]) => [x * W, y * H] as const);
  const pad = Math.ceil(feather * 2);
  const left = Math.max(0, Math.floor(Math.min(...px.map((p) => p[0]))) - pad);
  const top = Math.max(0, Math.floor(Math.min(...px.map((p) => p[1]))) - pad);
  const right = Math.min(W, Math.ceil(Math.max(...px.map((p) => p[0]))) + pad);
  const bottom = Math.min(H, Math.ceil(Math.max(...px.map((p) => p[1]))) + pad);
  const w = right - left;
  const h = bottom - top;
  if (w < 4 || h < 4) throw new ApiError(422, 'outline_too_small', 'The outline encloses almost nothing: draw around the object.');
  const polygon = px.map(([x, y]) => `${(x - left).toFixed(2)},${(y - top).toFixed(2)}`).join(' ');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#000"/><polygon points="${polygon}" fill="#fff"/></svg>`);
  const outline = await sharp(svg).extractChannel(0).raw().toBuffer();
  const rgb = await source.extract({ left, top, width: w, height: h }).removeAlpha().raw().toBuffer();
  const refinedAlpha = refiner?.available ? await refiner.refine(rgb, w, h, outline) : null;
  const alpha = refinedAlpha ?? (feather >= 0.3 ? await sharp(outline, { raw: { width: w, height: h, channels: 1 } }).blur(feather).extractChannel(0).raw().toBuffer() : outline);
  const data = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .joinChannel(alpha, { raw: { width: w, height: h, channels: 1 } })
    .png()
    .toBuffer();
  return { data, width: w, height: h, refined: refinedAlpha !== null };
}
