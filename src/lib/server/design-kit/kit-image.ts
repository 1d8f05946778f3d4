import sharp from 'sharp';
import { MAX_KIT_IMAGE_SIDE, type KitItemRole } from '$lib/design-kit';
import { ApiError } from '../http/api-error';

const CUTOUT_FORMATS = new Set(['png', 'webp']);
const REFERENCE_FORMATS = new Set(['png', 'webp', 'jpeg']);

export interface KitImage {
  mime: string;
  width: number;
  height: number;
}

const unfit = (code: string, message: string) => new ApiError(422, code, message);

/**
 * Checks a picture for a kit: references are PNG, WebP or JPEG; cut-outs PNG or WebP with real transparency (some
 * pixels see-through, some not): a photo with a white background is not a cut-out.
 */
export async function inspectKitImage(input: Buffer | string, role: KitItemRole, label: string): Promise<KitImage> {
  let meta;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_KIT_IMAGE_SIDE * MAX_KIT_IMAGE_SIDE, failOn: 'error' }).metadata();
  } catch {
    throw unfit('not_an_image', `${label} is not a picture this server can read (PNG, WebP or JPEG).`);
  }
  const formats = role === 'cutout' ? CUTOUT_FORMATS : REFERENCE_FORMATS;
  if (!meta.format || !formats.has(meta.format)) {
    throw unfit('unsupported_format', role === 'cutout' ? `${label} is ${meta.format ?? 'not an image'}: a cut-out is a PNG or WebP with transparency.` : `${label} is ${meta.format ?? 'not an image'}: a reference image is PNG, WebP or JPEG.`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height || width > MAX_KIT_IMAGE_SIDE || height > MAX_KIT_IMAGE_SIDE) throw unfit('image_too_large', `${label} is ${width}×${height}: kit images are at most ${MAX_KIT_IMAGE_SIDE} px a side.`);
  if (role === 'cutout') {
    if (!meta.hasAlpha) throw unfit('no_transparency', `${label} has no transparency (alpha channel): a cut-out shows only the object, its background see-through.`);
    let alpha;
    try {
      alpha = (await sharp(input, { failOn: 'error' }).stats()).channels[3];
    } catch {
      throw unfit('not_an_image', `${label} is damaged: it could not be decoded.`);
    }
    if (!alpha || alpha.min === 255) throw unfit('no_transparency', `${label} is fully opaque: a cut-out needs a see-through background.`);
    if (alpha.max === 0) throw unfit('empty_cutout', `${label} is fully transparent: there is nothing to place.`);
  }
  return { mime: `image/${meta.format}`, width, height };
}
