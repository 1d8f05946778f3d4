/**
 * One photo's analysis: quality measures and score, COCO objects, scene cues, interior/exterior and room (the
 * operator's ONNX scene model when configured, else the detector rules), and the focus point (smartcrop's saliency,
 * boosted where the detector found objects). The file is decoded twice: shrunk on load for everything but noise,
 * and at full size for a centre crop, since scaling down averages noise away.
 */
import smartcrop from 'smartcrop';
import type { PhotoAnalysis } from '../../src/lib/photo-analysis';
import { detectObjects } from './detector';
import { decideRoom } from './room-rules';
import { sceneCues } from './scene-cues';
import { classifyScene, sceneModelConfig } from './scene-model';
import { clipping, laplacianVariance, noiseSigma, scoreQuality, verticalTilt, type Grey } from './quality';

/** Measures are taken with the long side at this size (the thresholds are for it). */
export const MEASURE_SIDE = 1000;
const NOISE_CROP = 768;
/** Decompression bombs: the same cap the upscaler uses. */
const MAX_PIXELS = 150_000_000;

type Sharp = (typeof import('sharp'))['default'];
let sharpModule: Sharp | null = null;
async function loadSharp(): Promise<Sharp> {
  sharpModule ??= (await import('sharp')).default;
  return sharpModule;
}

/** A photo the file cannot be read as: the job lists it under `failed` with this message. */
export class UnreadablePhoto extends Error {}

function luma(rgb: Uint8Array, width: number, height: number): Grey {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!);
  return { data, width, height };
}

async function resized(sharp: Sharp, rgb: Buffer, width: number, height: number, w: number, h: number, fit: 'fill' | 'inside'): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(w, h, { fit }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Where the subject is: the centre of smartcrop's best square of half the short side, boosted by the objects. */
async function focusPoint(sharp: Sharp, rgb: Buffer, width: number, height: number, objects: PhotoAnalysis['objects']): Promise<{ x: number; y: number }> {
  const small = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(256, 256, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const w = small.info.width;
  const h = small.info.height;
  const image = { width: w, height: h, data: small.data };
  const ops = {
    open: async () => image,
    resample: async () => image,
    getData: async () => image
  };
  const boost = objects.map((o) => ({ x: Math.round(o.box[0] * w), y: Math.round(o.box[1] * h), width: Math.max(1, Math.round(o.box[2] * w)), height: Math.max(1, Math.round(o.box[3] * h)), weight: o.score }));
  const side = Math.min(w, h);
  // smartcrop's typings know only browser images; `imageOperations` is its documented way to feed it pixels.
  const result = await smartcrop.crop(image as unknown as CanvasImageSource, { width: side, height: side, minScale: 0.5, maxScale: 0.5, boost, prescale: false, imageOperations: ops } as Parameters<typeof smartcrop.crop>[1]);
  const c = result.topCrop;
  const clamp = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
  return { x: clamp((c.x + c.width / 2) / w), y: clamp((c.y + c.height / 2) / h) };
}

export async function analyzePhoto(file: string, assetId: string): Promise<PhotoAnalysis> {
  const sharp = await loadSharp();
  let width: number;
  let height: number;
  let measured;
  let crop: Buffer;
  let cw: number;
  let ch: number;
  try {
    // Upright first (EXIF orientation), as the library shows it; a truncated file is refused, not half-grey.
    const source = sharp(file, { limitInputPixels: MAX_PIXELS, failOn: 'truncated' }).rotate();
    const meta = await source.metadata();
    if (!meta.width || !meta.height) throw new Error('no picture size');
    [width, height] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
    measured = await source.clone().resize(MEASURE_SIDE, MEASURE_SIDE, { fit: 'inside', withoutEnlargement: true }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    cw = Math.min(NOISE_CROP, width);
    ch = Math.min(NOISE_CROP, height);
    crop = await source
      .clone()
      .extract({ left: Math.floor((width - cw) / 2), top: Math.floor((height - ch) / 2), width: cw, height: ch })
      .greyscale()
      .raw()
      .toBuffer();
  } catch (e) {
    throw new UnreadablePhoto(`Not a readable image: ${e instanceof Error ? e.message : String(e)}`);
  }
  const rgb = measured.data;
  const mw = measured.info.width;
  const mh = measured.info.height;
  const grey = luma(rgb, mw, mh);
  const clipped = clipping(grey);
  const measures = {
    sharpness: Math.round(laplacianVariance(grey) * 10) / 10,
    clippedHighlights: Math.round(clipped.highlights * 10_000) / 10_000,
    clippedShadows: Math.round(clipped.shadows * 10_000) / 10_000,
    noise: Math.round(noiseSigma({ data: crop, width: cw, height: ch }) * 100) / 100,
    megapixels: Math.round((width * height) / 10_000) / 100,
    tiltDegrees: Math.round(verticalTilt(grey) * 100) / 100
  };
  const input = await resized(sharp, rgb, mw, mh, 512, 512, 'fill');
  const objects = await detectObjects(input.data, input.width, input.height);
  const thumb = await resized(sharp, rgb, mw, mh, 64, 64, 'inside');
  let decision = decideRoom(objects, sceneCues(thumb.data, thumb.width, thumb.height));
  let classifier = 'COCO objects (CenterNet) and colour cues';
  const sceneModel = sceneModelConfig();
  if (sceneModel) {
    const scene = await classifyScene(sceneModel, (await resized(sharp, rgb, mw, mh, 224, 224, 'fill')).data);
    decision = { room: scene.room ?? decision.room, setting: scene.setting ?? decision.setting };
    classifier = `scene model (${scene.scene})`;
  }
  return {
    assetId,
    width,
    height,
    quality: { ...scoreQuality(measures), measures },
    setting: decision.setting,
    room: decision.room,
    objects,
    focus: await focusPoint(sharp, rgb, mw, mh, objects),
    classifier
  };
}
