/** Web and thumbnail copies of an image: upright, metadata-free WebP. */
import type { Metadata } from 'sharp';
import { throwIfAborted } from './abort';
import type { MediaProbe } from './probe';

export interface ImageVariant {
  name: 'web' | 'thumb';
  file: string;
  mime: 'image/webp';
  meta: { width: number; height: number };
}

export interface ImageResult {
  probe: MediaProbe;
  /** The original's size as displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
  variants: ImageVariant[];
}

const WEB_BOX = 2048;
const THUMB_BOX = 320;

export async function encodeImageVariants(
  file: string,
  out: { web: string; thumb: string },
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: (fraction: number, message: string) => void } = {}
): Promise<ImageResult> {
  // Loaded on first use: its native module costs a worker start ~0.5 s, and a restarted live worker is waited for.
  const { default: sharp } = await import('sharp');
  // failOn 'error' rejects truncated/corrupt files instead of encoding grey halves; the pixel cap stops decompression bombs.
  const source = sharp(file, { limitInputPixels: 150_000_000, failOn: 'error' });
  const info = await source.metadata();
  throwIfAborted(signal);
  const upright = orientedSize(info);
  // No withMetadata/keepExif: sharp's default drops EXIF (GPS, camera serials) and converts to sRGB.
  const oriented = source.rotate();

  onProgress?.(0.1, 'Encoding web image');
  const web = await oriented
    .clone()
    .resize(WEB_BOX, WEB_BOX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 82 })
    .toFile(out.web);
  throwIfAborted(signal);

  onProgress?.(0.7, 'Encoding thumbnail');
  const thumb = await oriented
    .clone()
    .resize(THUMB_BOX, THUMB_BOX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toFile(out.thumb);
  throwIfAborted(signal);

  return {
    probe: { format: info.format, duration: null, bitRate: null, video: null, audio: null },
    width: upright.width,
    height: upright.height,
    variants: [
      { name: 'web', file: out.web, mime: 'image/webp', meta: { width: web.width, height: web.height } },
      { name: 'thumb', file: out.thumb, mime: 'image/webp', meta: { width: thumb.width, height: thumb.height } }
    ]
  };
}

/** EXIF orientations 5–8 are quarter turns, so width and height swap. */
function orientedSize(info: Metadata): { width: number; height: number } {
  if (info.autoOrient?.width && info.autoOrient.height) return { width: info.autoOrient.width, height: info.autoOrient.height };
  return (info.orientation ?? 1) >= 5 ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
}
