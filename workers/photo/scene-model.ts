/**
 * An operator's ONNX scene classifier (e.g. Places365 exported to ONNX), used instead of the object rules for the
 * room when `PHOTO_SCENE_MODEL` (the .onnx file) and `PHOTO_SCENE_LABELS` (one label a line, in the model's output
 * order; Places365's `categories_places365.txt` form "/b/bedroom 52" works) are set. Runs on onnxruntime-node's CPU
 * build. Assumes the usual ImageNet input: 1×3×224×224, RGB scaled to 0–1 then normalised by ImageNet's mean and
 * deviation. None ships with the app: without one the detector rules decide.
 */
import fs from 'node:fs/promises';
import { imagenetInput } from '../../src/lib/imagenet-input';
import type { PhotoAnalysis } from '../../src/lib/photo-analysis';
import type { RoomType } from '../../src/lib/editor/model/brief/snapshot';

const SIZE = 224;

/** Scene names (Places365's, without the letter folder) for each room; `/outdoor` and `/indoor` suffixes are read too. */
const SCENE_ROOMS: Record<RoomType, string[]> = {
  'living-room': ['living_room', 'television_room', 'home_theater', 'recreation_room', 'playroom', 'alcove'],
  bedroom: ['bedroom', 'bedchamber', 'childs_room', 'nursery', 'dorm_room', 'hotel_room', 'youth_hostel'],
  kitchen: ['kitchen', 'galley', 'pantry', 'wet_bar'],
  bathroom: ['bathroom', 'shower', 'jacuzzi/indoor', 'sauna'],
  'dining-room': ['dining_room', 'dining_hall', 'breakfast_nook'],
  office: ['home_office', 'office', 'office_cubicles', 'study', 'library/indoor'],
  'exterior-front': ['house', 'mansion', 'building_facade', 'driveway', 'porch', 'apartment_building/outdoor', 'chalet', 'cottage', 'villa', 'manufactured_home', 'residential_neighborhood', 'street', 'garage/outdoor', 'balcony/exterior'],
  backyard: ['backyard', 'yard', 'patio', 'lawn', 'garden', 'formal_garden', 'vegetable_garden', 'courtyard', 'roof_garden', 'gazebo/exterior', 'japanese_garden'],
  pool: ['swimming_pool/outdoor', 'swimming_pool/indoor', 'hot_spring'],
  other: []
};
const OUTSIDE: ReadonlySet<RoomType> = new Set(['exterior-front', 'backyard', 'pool']);

/** "/b/bedroom 52" or "bedroom" → "bedroom"; "/s/swimming_pool/outdoor 300" → "swimming_pool/outdoor". */
export function sceneName(line: string): string {
  return line.trim().split(/\s+/)[0]!.replace(/^\/[a-z]\//, '').toLowerCase();
}

/** What a scene label says about the photo: the room it names (null: none of ours) and inside or outside. */
export function roomOfScene(label: string): { room: RoomType | null; setting: 'interior' | 'exterior' | null } {
  const name = sceneName(label);
  const room = (Object.keys(SCENE_ROOMS) as RoomType[]).find((r) => SCENE_ROOMS[r].includes(name)) ?? null;
  const setting = room ? (OUTSIDE.has(room) ? 'exterior' : 'interior') : name.endsWith('/outdoor') ? 'exterior' : name.endsWith('/indoor') ? 'interior' : null;
  return { room, setting };
}

export interface SceneModelConfig {
  model: string;
  labels: string;
}

/** The operator's configuration, or null when none is set (both variables are needed). */
export function sceneModelConfig(env: NodeJS.ProcessEnv = process.env): SceneModelConfig | null {
  const model = env.PHOTO_SCENE_MODEL?.trim();
  const labels = env.PHOTO_SCENE_LABELS?.trim();
  return model && labels ? { model, labels } : null;
}

type Session = import('onnxruntime-node').InferenceSession;
let loaded: { key: string; session: Promise<{ session: Session; labels: string[] }> } | null = null;

function load(config: SceneModelConfig): Promise<{ session: Session; labels: string[] }> {
  const key = `${config.model}\n${config.labels}`;
  if (loaded?.key !== key) {
    loaded = {
      key,
      session: (async () => {
        const ort = await import('onnxruntime-node');
        const labels = (await fs.readFile(config.labels, 'utf8')).split('\n').filter((l) => l.trim());
        return { session: await ort.InferenceSession.create(config.model), labels };
      })()
    };
  }
  return loaded.session;
}

/** The model's top scene for a 224×224 RGB picture, mapped to a room and setting with its softmax probability. */
export async function classifyScene(config: SceneModelConfig, rgb224: Uint8Array): Promise<Pick<PhotoAnalysis, 'room' | 'setting'> & { scene: string }> {
  const ort = await import('onnxruntime-node');
  const { session, labels } = await load(config);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', imagenetInput(rgb224, SIZE), [1, 3, SIZE, SIZE]) });
  const logits = out[session.outputNames[0]!]!.data as Float32Array;
  const max = Math.max(...logits);
  const exp = Array.from(logits, (v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  let top = 0;
  for (let i = 1; i < exp.length; i++) if (exp[i]! > exp[top]!) top = i;
  const confidence = Math.round((exp[top]! / total) * 100) / 100;
  const scene = labels[top] ?? `class ${top}`;
  const { room, setting } = roomOfScene(scene);
  return { scene: sceneName(scene), room: room ? { value: room, confidence } : null, setting: setting ? { value: setting, confidence } : null };
}
