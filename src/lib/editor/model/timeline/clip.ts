import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema, newTimelineId, type ClipId, type TrackId } from './ids';
import { keyframesWithin, type Keyframes } from './keyframes';
import { clipDuration, type ClipSnapshot, type Easing, type KeyframedProperty, type TitleAnimation, type TitleStyle, type Transform } from './snapshot';

/** Shortest clip: about one frame at 25 fps. Also what a clip shrinks to when concurrent trims cross. */
export const MIN_CLIP_DURATION = 0.04;
export const MAX_SPEED = 16;
/** Linear gain ceiling (+12 dB). */
export const MAX_VOLUME = 4;
/** Two times closer than this are the same time: sums of float seconds drift by a few ulps. */
export const TIME_EPSILON = 1e-6;
/** What edits may set a clip's scale to (1 = fit the canvas); the renderer clamps stored values to the same range. */
export const MIN_SCALE = 0.01;
export const MAX_SCALE = 8;

export const KEYFRAMED_PROPERTIES = ['volume', 'opacity', 'x', 'y', 'scale', 'rotation'] as const satisfies readonly KeyframedProperty[];
const EASINGS = ['linear', 'ease-in', 'ease-out', 'ease-in-out'] as const satisfies readonly Easing[];
const TITLE_ANIMATIONS = ['none', 'fade', 'slide-up'] as const satisfies readonly TitleAnimation[];

/** The in-document clip: a snapshot clip whose ids went through validation. */
export interface Clip extends Omit<ClipSnapshot, 'id' | 'trackId'> {
  id: ClipId;
  trackId: TrackId;
}

const seconds = z.number().finite();
const fraction = z.number().min(0).max(1);
const color = z.string().regex(/^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'A colour is #rrggbb or #rrggbbaa.');

export const transformSchema: z.ZodType<Transform> = z
  .object({
    x: z.number().finite(),
    y: z.number().finite(),
    scale: z.number().positive().max(100),
    rotation: z.number().min(-3600).max(3600),
    crop: z.object({ top: fraction, right: fraction, bottom: fraction, left: fraction })
  })
  .refine((t) => t.crop.left + t.crop.right < 1 && t.crop.top + t.crop.bottom < 1, 'The crop leaves no picture.');

const keyframeSchema = z.object({ t: seconds.min(0), value: z.number().finite(), easing: z.enum(EASINGS) });

/** Per property: what a keyframe value may be (the same bounds as the clip field it animates). */
const KEYFRAME_RANGE: Record<KeyframedProperty, [number, number]> = {
  volume: [0, MAX_VOLUME],
  opacity: [0, 1],
  x: [-1e5, 1e5],
  y: [-1e5, 1e5],
  scale: [0.001, 100],
  rotation: [-3600, 3600]
};

export const titleStyleSchema: z.ZodType<TitleStyle> = z.object({
  text: z.string().trim().min(1, 'A title needs text.').max(500, 'A title has at most 500 characters.'),
  font: z.string().min(1).max(100),
  size: z.number().positive().max(1000),
  color,
  box: z.object({ color, padding: z.number().min(0).max(500) }).nullable(),
  x: fraction,
  y: fraction,
  animationIn: z.enum(TITLE_ANIMATIONS),
  animationOut: z.enum(TITLE_ANIMATIONS)
});

export const clipSchema: z.ZodType<Clip> = z
  .object({
    id: idSchema<ClipId>('clip'),
    trackId: idSchema<TrackId>('track'),
    assetId: z.string().min(1).max(64).nullable(),
    start: seconds.min(0, 'A clip cannot start before 0.'),
    in: seconds.min(0, 'The in point cannot be before the start of the source.'),
    out: seconds,
    speed: z.number().gt(0, 'Speed must be above 0.').max(MAX_SPEED, `Speed is at most ${MAX_SPEED}×.`),
    volume: z.number().min(0).max(MAX_VOLUME),
    fadeIn: seconds.min(0, 'A fade cannot be negative.'),
    fadeOut: seconds.min(0, 'A fade cannot be negative.'),
    opacity: z.number().min(0, 'Opacity is between 0 and 1.').max(1, 'Opacity is between 0 and 1.'),
    transform: transformSchema,
    keyframes: z.partialRecord(z.enum(KEYFRAMED_PROPERTIES), z.array(keyframeSchema).max(1000)),
    title: titleStyleSchema.nullable()
  })
  .superRefine((c, ctx) => {
    const fail = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (!(c.in < c.out)) return fail('The in point must come before the out point.', 'out');
    const duration = clipDuration(c);
    if (duration < MIN_CLIP_DURATION - TIME_EPSILON) fail(`A clip lasts at least ${MIN_CLIP_DURATION} s.`, 'out');
    if (c.fadeIn + c.fadeOut > duration + TIME_EPSILON) fail('The fades are longer than the clip.', 'fadeIn');
    if (c.assetId === null && c.title === null) fail('A clip plays an asset or shows a title.', 'assetId');
    if (c.assetId !== null && c.title !== null) fail('A title clip has no asset.', 'title');
    if (c.title !== null && c.in !== 0) fail('A title starts at 0 in its own time.', 'in');
    for (const [prop, keys] of Object.entries(c.keyframes) as [KeyframedProperty, { t: number; value: number }[]][]) {
      const [min, max] = KEYFRAME_RANGE[prop];
      keys.forEach((k, i) => {
        if (i > 0 && !(k.t > keys[i - 1].t)) fail(`The ${prop} keyframes must be in time order.`, 'keyframes');
        if (k.t > duration + TIME_EPSILON) fail(`A ${prop} keyframe lies after the end of the clip.`, 'keyframes');
        if (k.value < min || k.value > max) fail(`A ${prop} keyframe is out of range (${min} to ${max}).`, 'keyframes');
      });
    }
  });

/**
 * Concurrent edits to different fields merge into a record neither user wrote: one trims the in point while the
 * other trims the out point past it, a fade set against the old length, keyframes beyond a new end. Repairing
 * deterministically on read keeps such a clip on the timeline (dropping it would lose both people's work); the
 * repair is a pure function of the merged fields, so every replica reads the same clip.
 */
export function repairClip(raw: Record<string, unknown>): Record<string, unknown> {
  const { in: inPoint, out, speed, fadeIn, fadeOut, keyframes } = raw;
  if (typeof inPoint !== 'number' || typeof out !== 'number' || typeof speed !== 'number' || !(speed > 0)) return raw;
  const fixed = { ...raw };
  // The later edit cannot be known here, so the in point (the clip's first frame) is kept and the clip made minimal.
  if ((out - inPoint) / speed < MIN_CLIP_DURATION - TIME_EPSILON) fixed.out = inPoint + MIN_CLIP_DURATION * speed;
  const duration = ((fixed.out as number) - inPoint) / speed;
  if (typeof fadeIn === 'number' && typeof fadeOut === 'number' && fadeIn >= 0 && fadeOut >= 0) {
    [fixed.fadeIn, fixed.fadeOut] = fitFades(fadeIn, fadeOut, duration);
  }
  if (keyframes && typeof keyframes === 'object' && keyframeShapeOk(keyframes)) fixed.keyframes = keyframesWithin(keyframes as Keyframes, duration, TIME_EPSILON);
  return fixed;
}

/** Fades scaled down together until both fit the clip, so neither end loses its fade entirely. */
export function fitFades(fadeIn: number, fadeOut: number, duration: number): [number, number] {
  if (fadeIn + fadeOut <= duration + TIME_EPSILON) return [fadeIn, fadeOut];
  const k = duration / (fadeIn + fadeOut);
  const fi = fadeIn * k;
  return [fi, Math.max(0, Math.min(fadeOut * k, duration - fi))];
}

function keyframeShapeOk(value: object): boolean {
  return Object.values(value).every(
    (keys) => Array.isArray(keys) && keys.every((k) => k && typeof k === 'object' && typeof k.t === 'number' && Number.isFinite(k.t))
  );
}

// Two people adjusting different parts of one clip's look (position and scale, or two animated properties) both keep theirs.
export const clipKind: RecordKind<Clip> = { collection: 'timelineClips', schema: clipSchema, repair: repairClip, nested: ['transform', 'title', 'keyframes'] };

export const DEFAULT_TRANSFORM: Transform = Object.freeze({
  x: 0,
  y: 0,
  scale: 1,
  rotation: 0,
  crop: Object.freeze({ top: 0, right: 0, bottom: 0, left: 0 })
}) as Transform;

export const DEFAULT_TITLE_STYLE: Omit<TitleStyle, 'text'> = Object.freeze({
  font: 'Inter',
  size: 96,
  color: '#ffffff',
  box: null,
  x: 0.5,
  y: 0.5,
  animationIn: 'fade',
  animationOut: 'fade'
});

/** A clip playing `assetId` from `in` to `out` (source seconds) at `start` on `trackId`, everything else neutral. */
export function newClip(input: { trackId: string; assetId: string; start: number; in?: number; out: number; id?: string } & Partial<Omit<ClipSnapshot, 'id' | 'trackId' | 'assetId' | 'title'>>): ClipSnapshot {
  const { id, trackId, assetId, start, out, ...rest } = input;
  return { ...neutralClip(id, trackId, start, out), assetId, ...rest };
}

function neutralClip(id: string | undefined, trackId: string, start: number, out: number): ClipSnapshot {
  return {
    id: id ?? newTimelineId<ClipId>(),
    trackId,
    assetId: null,
    start,
    in: 0,
    out,
    speed: 1,
    volume: 1,
    fadeIn: 0,
    fadeOut: 0,
    opacity: 1,
    transform: structuredClone(DEFAULT_TRANSFORM),
    keyframes: {},
    title: null
  };
}

/** A title clip lasting `duration` seconds; its "source" is its own time, so in is 0 and out its length. */
export function newTitleClip(input: { trackId: string; start: number; duration: number; text: string; id?: string; style?: Partial<TitleStyle> }): ClipSnapshot {
  return { ...neutralClip(input.id, input.trackId, input.start, input.duration), title: { ...DEFAULT_TITLE_STYLE, ...input.style, text: input.text } };
}

export const isTitleClip = (c: Pick<ClipSnapshot, 'assetId'>) => c.assetId === null;
