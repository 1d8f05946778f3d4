/**
 * "Enhance": a photo's copy with its verticals straightened (turned by the measured tilt, then cropped to the
 * largest upright rectangle inside), exposure stretched (luma's 0.5th and 99.5th percentiles to 0 and 255) and white
 * balanced (grey world: the channel means made equal), and upscaled 2× by ESRGAN when under 2 MP. JPEG out; the
 * original is not touched.
 */
import path from 'node:path';
import { ENHANCE_UPSCALE_BELOW_MP } from '../../src/lib/photo-analysis';
import { upscaleRefusal } from '../../src/lib/tool';
import { esrganUpscale } from '../tool/esrgan';
import { MEASURE_SIDE, UnreadablePhoto } from './analyze-photo';
import { QUALITY_THRESHOLDS, verticalTilt } from './quality';

const MAX_PIXELS = 150_000_000;
/** Levels are not stretched past this gain: a dark night shot stays a night shot. */
const MAX_GAIN = 2.5;

type Sharp = (typeof import('sharp'))['default'];

/** Width and height of the largest axis-aligned rectangle inside a w×h picture turned by `degrees`. */
export function innerRectangle(w: number, h: number, degrees: number): { width: number; height: number } {
  const a = (Math.abs(degrees) * Math.PI) / 180;
  const sin = Math.sin(a);
  const cos = Math.cos(a);
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  let wr: number;
  let hr: number;
  if (short <= 2 * sin * cos * long || Math.abs(sin - cos) < 1e-10) {
    const x = 0.5 * short;
    [wr, hr] = w >= h ? [x / sin, x / cos] : [x / cos, x / sin];
  } else {
    const cos2 = cos * cos - sin * sin;
    [wr, hr] = [(w * cos - h * sin) / cos2, (h * cos - w * sin) / cos2];
  }
  return { width: Math.floor(wr), height: Math.floor(hr) };
}

export interface Enhanced {
  file: string;
  width: number;
  height: number;
  steps: string[];
}

export async function enhancePhoto(file: string, outDir: string, { signal, onProgress = () => {} }: { signal?: AbortSignal; onProgress?: (f: number, message: string) => void } = {}): Promise<Enhanced> {
  const sharp: Sharp = (await import('sharp')).default;
  const steps: string[] = [];
  let rgb: Buffer;
  let info: { width: number; height: number };
  try {
    ({ data: rgb, info } = await sharp(file, { limitInputPixels: MAX_PIXELS, failOn: 'truncated' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new UnreadablePhoto(`Not a readable image: ${e instanceof Error ? e.message : String(e)}`);
  }
  let width = info.width;
  let height = info.height;
  const raw = () => ({ raw: { width, height, channels: 3 as const } });

  onProgress(0.1, 'Measuring');
  const small = await sharp(rgb, raw()).resize(MEASURE_SIDE, MEASURE_SIDE, { fit: 'inside', withoutEnlargement: true }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const tilt = verticalTilt({ data: small.data, width: small.info.width, height: small.info.height });
  if (Math.abs(tilt) > QUALITY_THRESHOLDS.tiltDegrees / 3) {
    // The verticals lean `tilt` degrees clockwise: turning the picture back by as much stands them up.
    const inner = innerRectangle(width, height, tilt);
    const turned = await sharp(rgb, raw()).rotate(-tilt, { background: '#000' }).raw().toBuffer({ resolveWithObject: true });
    const left = Math.floor((turned.info.width - inner.width) / 2);
    const top = Math.floor((turned.info.height - inner.height) / 2);
    rgb = await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: 3 } }).extract({ left, top, width: inner.width, height: inner.height }).raw().toBuffer();
    width = inner.width;
    height = inner.height;
    steps.push(`Verticals straightened: turned ${Math.round(Math.abs(tilt) * 10) / 10}° ${tilt > 0 ? 'anticlockwise' : 'clockwise'} and cropped to ${width}×${height}`);
  }

  onProgress(0.25, 'Balancing exposure and colour');
  // Grey world and levels, from one pass over the pixels.
  const sums = [0, 0, 0];
  const histogram = new Uint32Array(256);
  for (let i = 0; i < rgb.length; i += 3) {
    sums[0]! += rgb[i]!;
    sums[1]! += rgb[i + 1]!;
    sums[2]! += rgb[i + 2]!;
    histogram[Math.round(0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!)]!++;
  }
  const n = rgb.length / 3;
  const means = sums.map((s) => s / n);
  const grey = (means[0]! + means[1]! + means[2]!) / 3;
  const balance = means.map((m) => (m > 1 ? Math.min(1.5, Math.max(0.67, grey / m)) : 1));
  const percentile = (q: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) >= q * n) return v;
    return 255;
  };
  const lo = percentile(0.005);
  const hi = percentile(0.995);
  const gain = Math.min(MAX_GAIN, 255 / Math.max(1, hi - lo));
  const a = balance.map((b) => b * gain);
  const b = balance.map(() => -lo * gain);
  rgb = await sharp(rgb, raw()).linear(a, b).raw().toBuffer();
  if (Math.max(...balance.map((x) => Math.abs(x - 1))) > 0.02) steps.push(`White balance: channel gains R ${balance[0]!.toFixed(2)}, G ${balance[1]!.toFixed(2)}, B ${balance[2]!.toFixed(2)} (grey world)`);
  if (lo > 2 || hi < 253) steps.push(`Exposure: levels ${lo}–${hi} stretched to 0–255 (gain ${gain.toFixed(2)})`);

  const megapixels = (width * height) / 1e6;
  if (megapixels < ENHANCE_UPSCALE_BELOW_MP && !upscaleRefusal(width, height, 2)) {
    const message = 'Upscaling 2× (ESRGAN)';
    onProgress(0.3, message);
    const up = await esrganUpscale({ data: rgb, width, height }, 2, { signal, onProgress: (f) => onProgress(0.3 + 0.6 * f, message) });
    steps.push(`Upscaled 2× by ESRGAN: ${width}×${height} (${megapixels.toFixed(2)} MP, under ${ENHANCE_UPSCALE_BELOW_MP} MP) to ${up.width}×${up.height}`);
    rgb = Buffer.from(up.data.buffer, up.data.byteOffset, up.data.byteLength);
    width = up.width;
    height = up.height;
  }
  onProgress(0.95, 'Writing');
  const out = path.join(outDir, 'enhanced.jpg');
  await sharp(rgb, raw()).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toFile(out);
  if (steps.length === 0) steps.push('Nothing needed correcting: the copy is the photo re-encoded');
  return { file: out, width, height, steps };
}
