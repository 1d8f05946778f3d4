import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePhoto, UnreadablePhoto } from '../../workers/photo/analyze-photo';
import { enhancePhoto, innerRectangle } from '../../workers/photo/enhance-photo';
import { verticalTilt } from '../../workers/photo/quality';
import { detectObjects, humanModelsDir } from '../../workers/photo/detector';
import { decideRoom } from '../../workers/photo/room-rules';
import { sceneCues } from '../../workers/photo/scene-cues';
import { classifyScene, roomOfScene, sceneModelConfig } from '../../workers/photo/scene-model';
import { meanColourClassifier } from '../helpers/onnx-model';
import { scoreQuality } from '../../workers/photo/quality';
import { tempDir } from '../helpers/media';
import { seededRng } from '../helpers/prng';

// Photo analysis on pictures made here with known faults (blur, clipping, noise, tilt), and the COCO detector on
// a picture the detector's own package ships. The tfjs model loads once for the file (as in a worker).
const W = 1200;
const H = 900;
let dir: string;

/** A clean synthetic "room": vertical bars (door frames, walls) over a soft vertical gradient; no noise. */
function scene(): Buffer {
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const bar = Math.floor(x / 60) % 2 ? 170 : 70;
      const v = Math.round(bar + (y / H) * 30);
      rgb.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  return rgb;
}
const raw = { raw: { width: W, height: H, channels: 3 as const } };

beforeAll(async () => {
  dir = await tempDir('photo-analysis-');
  const clean = scene();
  await sharp(clean, raw).png().toFile(path.join(dir, 'sharp.png'));
  await sharp(clean, raw).blur(8).png().toFile(path.join(dir, 'blurred.png'));
  // Three times as bright: the light bars clip white.
  await sharp(clean, raw).linear(3, 0).png().toFile(path.join(dir, 'bright.png'));
  const rng = seededRng(7);
  const random = () => rng.next();
  const noisy = Buffer.from(clean);
  for (let i = 0; i < noisy.length; i += 2) {
    // Box–Muller pairs: Gaussian noise of sigma 20 levels.
    const r = Math.sqrt(-2 * Math.log(random() + 1e-12));
    const t = 2 * Math.PI * random();
    noisy[i] = Math.max(0, Math.min(255, Math.round(noisy[i]! + 20 * r * Math.cos(t))));
    if (i + 1 < noisy.length) noisy[i + 1] = Math.max(0, Math.min(255, Math.round(noisy[i + 1]! + 20 * r * Math.sin(t))));
  }
  await sharp(noisy, raw).png().toFile(path.join(dir, 'noisy.png'));
  // Turned 5° clockwise and cropped inside the turned frame: the verticals lean right at the top.
  await sharp(clean, raw).rotate(5, { background: '#777' }).extract({ left: 150, top: 150, width: 1000, height: 700 }).png().toFile(path.join(dir, 'tilted.png'));
  const jpeg = await sharp(clean, raw).jpeg().toBuffer();
  fs.writeFileSync(path.join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
  fs.writeFileSync(path.join(dir, 'not-an-image.jpg'), 'this is a text file with a picture’s name');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const analysed = new Map<string, ReturnType<typeof analyzePhoto>>();
/** Each picture is analysed once for the file. */
const analyse = (name: string) => {
  if (!analysed.has(name)) analysed.set(name, analyzePhoto(path.join(dir, name), name.replace(/\W/g, '').slice(0, 20)));
  return analysed.get(name)!;
};

describe('quality scoring', () => {
  it('scores a blurred copy lower than the sharp picture, and says it is blurry', async () => {
    const [sharpOne, blurred] = [await analyse('sharp.png'), await analyse('blurred.png')];
    expect(blurred.quality.measures.sharpness).toBeLessThan(sharpOne.quality.measures.sharpness / 10);
    expect(blurred.quality.score).toBeLessThan(sharpOne.quality.score);
    expect(blurred.quality.reasons.some((r) => /^Blurry: sharpness \d+ \(under 100\)$/.test(r))).toBe(true);
    expect(sharpOne.quality.reasons.filter((r) => !r.startsWith('Low resolution'))).toEqual([]);
    // 1.08 MP is under the 2 MP threshold.
    expect(sharpOne.quality.reasons).toContain('Low resolution: 1.08 MP (under 2 MP)');
  }, 120_000);

  it('finds clipped highlights, noise and tilt where they were put', async () => {
    const bright = await analyse('bright.png');
    expect(bright.quality.measures.clippedHighlights).toBeGreaterThan(0.4);
    expect(bright.quality.reasons.some((r) => r.startsWith('Overexposed:') && r.endsWith('clipped white (over 2%)'))).toBe(true);
    const noisy = await analyse('noisy.png');
    expect(noisy.quality.measures.noise).toBeGreaterThan(12);
    expect(noisy.quality.reasons.some((r) => r.startsWith('Noisy:'))).toBe(true);
    const clean = await analyse('sharp.png');
    expect(clean.quality.measures.noise).toBeLessThan(2);
    const tilted = await analyse('tilted.png');
    expect(Math.abs(tilted.quality.measures.tiltDegrees - 5)).toBeLessThan(1);
    expect(tilted.quality.reasons.some((r) => r.startsWith('Tilted: verticals lean') && r.includes('right'))).toBe(true);
    expect(Math.abs(clean.quality.measures.tiltDegrees)).toBeLessThan(0.5);
  }, 120_000);

  it('takes points off for each fault and keeps the score within 0–100', () => {
    const good = { sharpness: 500, clippedHighlights: 0, clippedShadows: 0, noise: 1, megapixels: 12, tiltDegrees: 0 };
    expect(scoreQuality(good)).toEqual({ score: 100, reasons: [] });
    const worst = scoreQuality({ sharpness: 0, clippedHighlights: 1, clippedShadows: 1, noise: 80, megapixels: 0.01, tiltDegrees: -20 });
    expect(worst.score).toBeGreaterThanOrEqual(0);
    expect(worst.reasons).toHaveLength(6);
    expect(worst.reasons).toContain('Tilted: verticals lean 20° left (over 1.5°)');
  });

  it('refuses a truncated JPEG and a file that is no image with a message', async () => {
    await expect(analyse('truncated.jpg')).rejects.toThrow(UnreadablePhoto);
    await expect(analyse('not-an-image.jpg')).rejects.toThrow(/^Not a readable image: /);
  }, 60_000);
});

describe('interior, exterior and room', () => {
  it('the CenterNet detector finds the person in the picture @vladmandic/human ships', async () => {
    const file = path.join(humanModelsDir(), '..', 'assets', 'screenshot-vrm.jpg');
    const { data, info } = await sharp(file).removeAlpha().resize(512, 512, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const objects = await detectObjects(data, info.width, info.height);
    const person = objects.find((o) => o.label === 'person');
    expect(person, JSON.stringify(objects)).toBeDefined();
    expect(person!.score).toBeGreaterThan(0.5);
    for (const v of person!.box) expect(v).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('maps detected objects to rooms, a toilet before a sink, with the detection score as confidence', () => {
    const cues = { sky: 0, greenery: 0, water: 0 };
    const o = (label: string, score: number) => ({ label, score, box: [0.1, 0.1, 0.3, 0.3] as [number, number, number, number] });
    expect(decideRoom([o('bed', 0.8), o('chair', 0.5)], cues)).toEqual({ setting: { value: 'interior', confidence: 0.8 }, room: { value: 'bedroom', confidence: 0.8 } });
    expect(decideRoom([o('sink', 0.7), o('toilet', 0.6)], cues).room).toEqual({ value: 'bathroom', confidence: 0.6 });
    expect(decideRoom([o('sink', 0.7)], cues).room).toEqual({ value: 'kitchen', confidence: 0.7 });
    expect(decideRoom([o('couch', 0.5), o('dining table', 0.9)], cues).room?.value).toBe('dining-room');
    expect(decideRoom([o('person', 0.9)], cues)).toEqual({ setting: null, room: null });
  });

  it('reads sky, greenery and pool water from colour, outside', () => {
    const w = 64, h = 48;
    const img = Buffer.alloc(w * h * 3);
    const paint = (y0: number, y1: number, [r, g, b]: number[]) => {
      for (let y = y0; y < y1; y++) for (let x = 0; x < w; x++) img.set([r!, g!, b!], (y * w + x) * 3);
    };
    paint(0, 16, [110, 160, 230]); // sky
    paint(16, 30, [60, 130, 50]); // lawn
    paint(30, 48, [40, 190, 210]); // pool
    const cues = sceneCues(img, w, h);
    expect(cues.sky).toBeGreaterThan(0.9);
    expect(cues.water).toBeGreaterThan(0.6);
    const decided = decideRoom([], cues);
    expect(decided.setting?.value).toBe('exterior');
    expect(decided.room?.value).toBe('pool');
    expect(decided.room!.confidence).toBeLessThanOrEqual(0.6);
  });

  it('maps an operator scene model’s labels (Places365 form) to rooms; without both settings it is off', () => {
    expect(roomOfScene('/b/bedroom 52')).toEqual({ room: 'bedroom', setting: 'interior' });
    expect(roomOfScene('/s/swimming_pool/outdoor 300')).toEqual({ room: 'pool', setting: 'exterior' });
    expect(roomOfScene('/h/home_office 180')).toEqual({ room: 'office', setting: 'interior' });
    expect(roomOfScene('/p/patio 270')).toEqual({ room: 'backyard', setting: 'exterior' });
    expect(roomOfScene('/a/airfield 0')).toEqual({ room: null, setting: null });
    expect(roomOfScene('/c/church/outdoor 92')).toEqual({ room: null, setting: 'exterior' });
    expect(sceneModelConfig({ PHOTO_SCENE_MODEL: '/m.onnx' })).toBeNull();
    expect(sceneModelConfig({ PHOTO_SCENE_MODEL: '/m.onnx', PHOTO_SCENE_LABELS: '/l.txt' })).toEqual({ model: '/m.onnx', labels: '/l.txt' });
  });

  it('runs an operator’s ONNX scene classifier (a 3-class mean-colour model built by the test) on onnxruntime-node, and it decides the room', async () => {
    const model = path.join(dir, 'scene.onnx');
    const labels = path.join(dir, 'scene-labels.txt');
    // Identity weights: the class of the strongest colour channel wins (red → kitchen, green → bedroom, blue → pool).
    fs.writeFileSync(model, meanColourClassifier([[4, 0, 0], [0, 4, 0], [0, 0, 4]]));
    fs.writeFileSync(labels, '/k/kitchen 0\n/b/bedroom 1\n/s/swimming_pool/outdoor 2\n');
    const solid = async (name: string, rgb: [number, number, number]) => {
      const file = path.join(dir, name);
      await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toFile(file);
      return file;
    };
    const config = { model, labels };
    expect(sceneModelConfig({ PHOTO_SCENE_MODEL: model, PHOTO_SCENE_LABELS: labels })).toEqual(config);
    const red = await sharp(await solid('red.png', [220, 30, 30])).resize(224, 224).raw().toBuffer();
    const onRed = await classifyScene(config, red);
    expect(onRed.scene).toBe('kitchen');
    expect(onRed.room?.value).toBe('kitchen');
    expect(onRed.setting?.value).toBe('interior');
    expect(onRed.room!.confidence).toBeGreaterThan(0.9);

    // Through the whole analysis, as the worker runs it with the two settings in its environment.
    process.env.PHOTO_SCENE_MODEL = model;
    process.env.PHOTO_SCENE_LABELS = labels;
    try {
      const blue = await analyzePhoto(await solid('blue.png', [20, 40, 230]), 'a-blue');
      expect(blue.classifier).toBe('scene model (swimming_pool/outdoor)');
      expect(blue.room?.value).toBe('pool');
      expect(blue.setting?.value).toBe('exterior');
      const green = await analyzePhoto(await solid('green.png', [30, 200, 40]), 'a-green');
      expect(green.room?.value).toBe('bedroom');
    } finally {
      delete process.env.PHOTO_SCENE_MODEL;
      delete process.env.PHOTO_SCENE_LABELS;
    }
  });
});

describe('enhance', () => {
  it('straightens the verticals, balances a colour cast, stretches dull levels and upscales a small photo 2× by ESRGAN', async () => {
    // A small, dull, blue-tinted, tilted copy of the scene: 400×280 after the turn and crop.
    const dull = await sharp(scene(), raw).linear([0.5, 0.55, 0.8], [40, 40, 50]).rotate(4, { background: '#777' }).extract({ left: 150, top: 150, width: 1000, height: 700 }).resize(400, 280).png().toBuffer();
    const file = path.join(dir, 'dull.png');
    fs.writeFileSync(file, dull);
    const out = await enhancePhoto(file, dir);
    expect(out.steps.map((s) => s.split(':')[0])).toEqual(['Verticals straightened', 'White balance', 'Exposure', 'Upscaled 2× by ESRGAN']);
    const { data, info } = await sharp(out.file).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(out.width);
    // Cropped inside the turned frame, then doubled.
    expect(out.width).toBeGreaterThan(600);
    expect(out.width).toBeLessThan(800);
    const grey = await sharp(out.file).resize(1000, 1000, { fit: 'inside' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs(verticalTilt({ data: grey.data, width: grey.info.width, height: grey.info.height }))).toBeLessThan(1);
    const means = [0, 1, 2].map((c) => {
      let sum = 0;
      for (let i = c; i < data.length; i += 3) sum += data[i]!;
      return sum / (data.length / 3);
    });
    // Grey world: the blue cast is gone (the channels' means within a few levels).
    expect(Math.max(...means) - Math.min(...means)).toBeLessThan(8);
  }, 180_000);

  it('finds the largest upright rectangle inside a turned picture', () => {
    expect(innerRectangle(1000, 500, 0)).toEqual({ width: 1000, height: 500 });
    const r = innerRectangle(1000, 700, 5);
    expect(r.width).toBeLessThan(1000);
    expect(r.width).toBeGreaterThan(900);
    expect(r.height).toBeLessThan(700);
  });
});
