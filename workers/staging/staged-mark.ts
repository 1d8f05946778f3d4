import sharp from 'sharp';

export const STAGED_MARK_TEXT = 'Virtually staged';

/**
 * The disclosure many markets require on a virtually staged photo: white bold text on a dark plate in the bottom-right
 * corner, its height 4.5 % of the picture's (49 px at 1080p), never under 24 px.
 */
export function stagedMarkBox(width: number, height: number): { left: number; top: number; width: number; height: number } {
  const h = Math.max(24, Math.round(height * 0.045));
  const w = Math.min(width, Math.round(h * 6.2));
  const margin = Math.round(h * 0.4);
  return { left: Math.max(0, width - w - margin), top: Math.max(0, height - h - margin), width: w, height: Math.min(h, height) };
}

function markSvg(w: number, h: number): Buffer {
  const font = Math.round(h * 0.56);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" rx="${Math.round(h * 0.18)}" fill="#000" fill-opacity="0.62"/>` +
      `<text x="${w / 2}" y="${h / 2}" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${font}" fill="#fff">${STAGED_MARK_TEXT}</text></svg>`
  );
}

/** The picture (any format sharp reads) with the mark on it, as JPEG. */
export async function withStagedMark(input: Buffer | string): Promise<{ data: Buffer; width: number; height: number }> {
  const image = sharp(input, { limitInputPixels: 150_000_000, failOn: 'error' }).rotate();
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return markRaw(data, info.width, info.height);
}

/** Marks an RGB raw picture and encodes it as JPEG (quality 92: a listing photo, not a thumbnail). */
export async function markRaw(rgb: Buffer, width: number, height: number): Promise<{ data: Buffer; width: number; height: number }> {
  const box = stagedMarkBox(width, height);
  const data = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite([{ input: markSvg(box.width, box.height), left: box.left, top: box.top }])
    .jpeg({ quality: 92 })
    .toBuffer();
  return { data, width, height };
}
