/**
 * COCO object detection with the CenterNet model (MobileNetV3 CenterNet, 80 COCO classes) that `@vladmandic/human`
 * ships in its models/ folder. The graph model runs on the worker's tfjs wasm backend (the one ESRGAN uses), loaded
 * once per worker; the decoding after the network is human's own (src/object/centernet.ts): its detections output,
 * then non-max suppression.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DetectedObject } from '../../src/lib/photo-analysis';
import { loadTf, modelArtifacts } from '../tfjs-wasm';

/** The model's input side (pixels); pictures are scaled to it, as human does. */
const INPUT = 512;
const MIN_SCORE = 0.25;
const IOU = 0.4;
const MAX_OBJECTS = 20;

/** COCO's 80 classes in the model's order (the list human ships in src/object/labels.ts). */
export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
  'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
  'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv',
  'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase',
  'scissors', 'teddy bear', 'hair drier', 'toothbrush'
] as const;

const require = createRequire(import.meta.url);
type GraphModel = import('@tensorflow/tfjs').GraphModel;
let model: Promise<GraphModel> | null = null;

/** The models/ folder of the installed `@vladmandic/human` (its exports map hides the files, so found by path). */
export function humanModelsDir(): string {
  const main = require.resolve('@vladmandic/human');
  return path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'models');
}

function loadModel(): Promise<GraphModel> {
  model ??= (async () => {
    const tf = await loadTf();
    return tf.loadGraphModel(tf.io.fromMemory(await modelArtifacts(humanModelsDir(), 'centernet.json')));
  })().catch((e: unknown) => {
    model = null;
    throw e;
  });
  return model;
}

/** The objects in an RGB picture (8 bits a channel, any size: scaled to the model's input here), best first. */
export async function detectObjects(rgb: Uint8Array, width: number, height: number): Promise<DetectedObject[]> {
  const tf = await loadTf();
  const net = await loadModel();
  const detections = tf.tidy(() => {
    const input = tf.image.resizeBilinear(tf.tensor4d(Float32Array.from(rgb), [1, height, width, 3]), [INPUT, INPUT]);
    return net.execute(input, ['tower_0/detections']) as import('@tensorflow/tfjs').Tensor;
  });
  const rows = ((await detections.array()) as number[][][])[0]!;
  detections.dispose();
  // Rows are x1, y1, x2, y2 (model pixels), score, class; non-max suppression takes y1, x1, y2, x2.
  const boxes = tf.tensor2d(rows.map((r) => [r[1]!, r[0]!, r[3]!, r[2]!]));
  const scores = tf.tensor1d(rows.map((r) => r[4]!));
  const keep = await tf.image.nonMaxSuppressionAsync(boxes, scores, MAX_OBJECTS, IOU, MIN_SCORE);
  const kept = Array.from(await keep.data());
  tf.dispose([boxes, scores, keep]);
  const found: DetectedObject[] = [];
  for (const i of kept) {
    const [x1, y1, x2, y2, score, cls] = rows[i]!;
    const label = COCO_LABELS[cls!];
    if (!label) continue;
    const clamp = (v: number) => Math.min(1, Math.max(0, v / INPUT));
    found.push({ label, score: Math.round(score! * 100) / 100, box: [clamp(x1!), clamp(y1!), clamp(x2!) - clamp(x1!), clamp(y2!) - clamp(y1!)] });
  }
  return found.sort((a, b) => b.score - a.score);
}
