import { z } from 'zod';
import type { RecordKind } from '../record-map';
import { idSchema } from '../timeline/ids';
import { newBriefId, type BriefPhotoId } from './ids';
import {
  PHOTO_STATUSES,
  ROOM_TYPES,
  SETTINGS,
  type BriefPhotoSnapshot,
  type ResolvedTag,
  type StagingInstruction,
  type Tagged
} from './snapshot';

export const MAX_STAGING_NOTES = 4000;
export const MAX_STYLE_LENGTH = 80;

export interface BriefPhoto extends Omit<BriefPhotoSnapshot, 'id'> {
  id: BriefPhotoId;
}

export const DEFAULT_STAGING: StagingInstruction = { style: null, removeFurniture: false, dayToDusk: false, skyReplacement: false, notes: '' };

const confidence = z.number().min(0, 'A confidence is 0 to 1.').max(1, 'A confidence is 0 to 1.');
function taggedSchema<T extends string>(values: readonly [T, ...T[]]): z.ZodType<Tagged<T>> {
  const value = z.enum(values);
  return z.object({
    person: value.nullable().default(null),
    detected: z.object({ value, confidence }).nullable().default(null)
  }) as unknown as z.ZodType<Tagged<T>>;
}

export const stagingSchema: z.ZodType<StagingInstruction> = z.object({
  style: z.string().trim().min(1, 'A style needs a name: clear it instead.').max(MAX_STYLE_LENGTH, `A style name has at most ${MAX_STYLE_LENGTH} characters.`).nullable().default(null),
  removeFurniture: z.boolean().default(false),
  dayToDusk: z.boolean().default(false),
  skyReplacement: z.boolean().default(false),
  notes: z.string().max(MAX_STAGING_NOTES, `Staging notes have at most ${MAX_STAGING_NOTES} characters.`).default('')
}) as unknown as z.ZodType<StagingInstruction>;

const unit = z.number().min(0).max(1);

// Fields later parts write (quality, focus, staged copy) default, so photos written before them stay valid.
export const briefPhotoSchema: z.ZodType<BriefPhoto> = z.object({
  id: idSchema<BriefPhotoId>('photo'),
  assetId: z.string().min(1).max(64),
  order: z.string().min(1).max(200),
  room: taggedSchema(ROOM_TYPES).default({ person: null, detected: null }),
  setting: taggedSchema(SETTINGS).default({ person: null, detected: null }),
  quality: z
    .object({ score: z.number().min(0, 'A quality score is 0 to 100.').max(100, 'A quality score is 0 to 100.'), reasons: z.array(z.string().max(200)).max(20) })
    .nullable()
    .default(null),
  focus: z.object({ x: unit, y: unit }).nullable().default(null),
  hero: z.boolean().default(false),
  includeInVideo: z.boolean().default(true),
  staging: stagingSchema.default(DEFAULT_STAGING),
  status: z.enum(PHOTO_STATUSES).default('todo'),
  stagedAssetId: z.string().min(1).max(64).nullable().default(null),
  enhancedAssetId: z.string().min(1).max(64).nullable().default(null)
}) as unknown as z.ZodType<BriefPhoto>;

/**
 * Nested: a person's and a detector's tag, and each staging field, are their own Y.Map keys, so concurrent writes to
 * different ones all survive. Quality and focus are written whole by one job.
 */
export const briefPhotoKind: RecordKind<BriefPhoto> = { collection: 'briefPhotos', schema: briefPhotoSchema, nested: ['room', 'setting', 'staging'] };

export function newBriefPhoto(input: { assetId: string; order: string; id?: string }): BriefPhotoSnapshot {
  return {
    id: input.id ?? newBriefId<BriefPhotoId>(),
    assetId: input.assetId,
    order: input.order,
    room: { person: null, detected: null },
    setting: { person: null, detected: null },
    quality: null,
    focus: null,
    hero: false,
    includeInVideo: true,
    staging: { ...DEFAULT_STAGING },
    status: 'todo',
    stagedAssetId: null,
    enhancedAssetId: null
  };
}

/** What a tag reads as: a person's choice wins over the detector's, whatever order they were written in. */
export function resolveTag<T>(tag: Tagged<T>): ResolvedTag<T> | null {
  if (tag.person !== null) return { value: tag.person, source: 'person', confidence: 1 };
  if (tag.detected) return { value: tag.detected.value, source: 'detector', confidence: tag.detected.confidence };
  return null;
}
