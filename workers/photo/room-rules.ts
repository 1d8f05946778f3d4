/**
 * Interior or exterior, and the room, from the detector's COCO objects and the colour cues: a bed means bedroom;
 * oven, microwave, refrigerator (and a sink without a toilet) mean kitchen; a toilet means bathroom; a couch or a
 * tv means living room; a dining table means dining room; a laptop or keyboard means office. Outside: water low in
 * the frame means pool, much greenery low in the frame means backyard, else the front. Each answer carries its
 * confidence: an object's own detection score, colour cues at most 0.6.
 */
import type { DetectedObject, PhotoAnalysis } from '../../src/lib/photo-analysis';
import type { RoomType } from '../../src/lib/editor/model/brief/snapshot';
import type { SceneCues } from './scene-cues';

/** Objects that name a room, strongest claim first where two rooms share the photo. */
const ROOM_OBJECTS: { room: RoomType; labels: string[] }[] = [
  { room: 'bathroom', labels: ['toilet'] },
  { room: 'bedroom', labels: ['bed'] },
  { room: 'kitchen', labels: ['oven', 'microwave', 'refrigerator', 'toaster', 'sink'] },
  { room: 'dining-room', labels: ['dining table'] },
  { room: 'living-room', labels: ['couch', 'tv'] },
  { room: 'office', labels: ['laptop', 'keyboard', 'mouse'] }
];

/** Things found indoors: seen with no sky, the photo is an interior. */
const INDOOR = new Set(['bed', 'oven', 'microwave', 'refrigerator', 'toaster', 'sink', 'toilet', 'dining table', 'couch', 'tv', 'chair', 'laptop', 'keyboard', 'mouse', 'book', 'clock', 'vase', 'remote', 'hair drier', 'toothbrush', 'teddy bear']);
const OUTDOOR = new Set(['car', 'truck', 'bicycle', 'motorcycle', 'bus', 'boat', 'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'horse']);

/** Below this a detection is too weak to name a room. */
const MIN_OBJECT_SCORE = 0.3;
/** Sky over this share of the top band, or greenery over this share of the picture, reads as outside. */
export const SKY_SHARE = 0.3;
export const GREENERY_SHARE = 0.25;
export const WATER_SHARE = 0.15;

type Decision = Pick<PhotoAnalysis, 'setting' | 'room'>;
const round2 = (v: number) => Math.round(v * 100) / 100;

export function decideRoom(objects: readonly DetectedObject[], cues: SceneCues): Decision {
  const strong = objects.filter((o) => o.score >= MIN_OBJECT_SCORE);
  const best = (labels: Set<string> | string[]) => Math.max(0, ...strong.filter((o) => (labels instanceof Set ? labels.has(o.label) : labels.includes(o.label))).map((o) => o.score));
  const indoor = best(INDOOR);
  const outdoor = Math.max(best(OUTDOOR), cues.sky >= SKY_SHARE ? Math.min(0.6, 0.3 + cues.sky / 2) : 0, cues.greenery >= GREENERY_SHARE ? Math.min(0.6, 0.3 + cues.greenery / 2) : 0);
  if (indoor === 0 && outdoor === 0) return { setting: null, room: null };
  if (indoor >= outdoor) {
    let room: Decision['room'] = null;
    for (const { room: name, labels } of ROOM_OBJECTS) {
      // A sink beside a toilet is the bathroom's.
      const score = best(name === 'kitchen' && best(['toilet']) > 0 ? labels.filter((l) => l !== 'sink') : labels);
      if (score > (room?.confidence ?? 0)) room = { value: name, confidence: round2(score) };
    }
    return { setting: { value: 'interior', confidence: round2(indoor) }, room };
  }
  const setting = { value: 'exterior' as const, confidence: round2(outdoor) };
  if (cues.water >= WATER_SHARE) return { setting, room: { value: 'pool', confidence: round2(Math.min(0.6, 0.3 + cues.water)) } };
  if (cues.greenery >= 0.35) return { setting, room: { value: 'backyard', confidence: 0.4 } };
  return { setting, room: { value: 'exterior-front', confidence: 0.35 } };
}
