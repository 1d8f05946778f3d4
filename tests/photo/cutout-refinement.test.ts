import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutOutPolygon } from '$lib/server/design-kit/cutout-mask';
import { CutoutRefiner } from '$lib/server/design-kit/cutout-refinement';
import { createLogger } from '$lib/server/log';
import { loadConfig } from '$lib/server/config';
import { redObjectSegmenter } from '../helpers/onnx-model';
import { tempDir } from '../helpers/media';

// An operator's segmentation model refining a loosely drawn cut-out, on onnxruntime-node. The model here is built by
// the test (U²-Net's interface; it calls red things the object), since no permissively licensed one ships on npm.
const W = 400;
const H = 300;
let dir: string;
let photo: Buffer;
/** Drawn loosely around the red 100×80 block at (100, 100): 20 px of blue background inside the outline on each side. */
const OUTLINE: [number, number][] = [[80 / W, 80 / H], [220 / W, 80 / H], [220 / W, 200 / H], [80 / W, 200 / H]];
const logger = createLogger('silent');

const alphaAt = async (png: Buffer, x: number, y: number) => {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return data[(y * info.width + x) * info.channels + 3]!;
};

beforeAll(async () => {
  dir = await tempDir('cutout-refine-');
  photo = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 30, g: 40, b: 230 } } })
    .composite([{ input: await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 220, g: 30, b: 30 } } }).png().toBuffer(), left: 100, top: 100 }])
    .png()
    .toBuffer();
  fs.writeFileSync(path.join(dir, 'segmenter.onnx'), redObjectSegmenter());
  fs.writeFileSync(path.join(dir, 'broken.onnx'), Buffer.from('not a model'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('cut-out refinement by a configured segmentation model', () => {
  it('without a model the cut-out follows the outline: the background inside it stays', async () => {
    const cut = await cutOutPolygon(photo, OUTLINE, 1, new CutoutRefiner(null, logger));
    expect(cut.refined).toBe(false);
    // The crop starts at (78, 78) (outline minus twice the feather): (90, 90) is background inside the outline.
    expect(await alphaAt(cut.data, 90 - 78, 90 - 78)).toBe(255);
  });

  it('with one, the model keeps the object and drops the background the outline took in', async () => {
    const refiner = new CutoutRefiner(path.join(dir, 'segmenter.onnx'), logger);
    expect(refiner.available).toBe(true);
    const cut = await cutOutPolygon(photo, OUTLINE, 1, refiner);
    expect(cut.refined).toBe(true);
    expect(cut.width).toBeGreaterThan(140);
    expect(await alphaAt(cut.data, 150 - 78, 140 - 78)).toBeGreaterThan(240);
    expect(await alphaAt(cut.data, 90 - 78, 90 - 78)).toBeLessThan(15);
    expect(await alphaAt(cut.data, 210 - 78, 190 - 78)).toBeLessThan(15);
    // Inside the object's edges, just in from the corner.
    expect(await alphaAt(cut.data, 103 - 78, 103 - 78)).toBeGreaterThan(200);
  });

  it('keeps the drawn outline when the model cannot run (and says so through `refined`)', async () => {
    const cut = await cutOutPolygon(photo, OUTLINE, 1, new CutoutRefiner(path.join(dir, 'broken.onnx'), logger));
    expect(cut.refined).toBe(false);
    expect(await alphaAt(cut.data, 90 - 78, 90 - 78)).toBe(255);
  });

  it('is configured by CUTOUT_SEGMENTATION_MODEL', () => {
    expect(loadConfig({ CUTOUT_SEGMENTATION_MODEL: path.join(dir, 'segmenter.onnx') }).cutoutSegmentationModel).toBe(path.join(dir, 'segmenter.onnx'));
    expect(loadConfig({}).cutoutSegmentationModel).toBeNull();
  });
});
