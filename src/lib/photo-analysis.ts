/**
 * Photo analysis as the studio, the integration API and the worker know it: one `photo.analyze` job per batch of
 * images scores each photo's quality, guesses interior/exterior and the room, and finds its focus point.
 */
import { z } from 'zod';
import { ROOM_TYPES, SETTINGS, type RoomType } from './editor/model/brief/snapshot';

/** The job type (credits are priced per job type, so the name is fixed). */
export const PHOTO_ANALYZE_JOB = 'photo.analyze';

/** Photos one job takes: a shoot is analysed in batches of at most this many. */
export const MAX_PHOTOS_PER_ANALYSIS = 50;

const assetId = z.string({ error: 'an asset id is a string' }).regex(/^[a-z0-9]{1,40}$/, 'not an asset id');

/** The job's input. `writeToBrief`: also write each result into the project's brief photos showing that asset. */
export const photoAnalyzeInput = z.strictObject({
  assetIds: z.array(assetId).min(1, 'name at least one photo').max(MAX_PHOTOS_PER_ANALYSIS, `at most ${MAX_PHOTOS_PER_ANALYSIS} photos per job`),
  writeToBrief: z.boolean().default(true)
});
export type PhotoAnalyzeInput = z.infer<typeof photoAnalyzeInput>;

/** What was measured, in the units the documented thresholds use. */
export interface PhotoMeasures {
  /** Variance of the Laplacian of the grey image scaled to 1000 px on its long side. */
  sharpness: number;
  /** Share (0–1) of pixels at or above 250 / at or below 5 in luma. */
  clippedHighlights: number;
  clippedShadows: number;
  /** Estimated noise sigma in 8-bit levels. */
  noise: number;
  megapixels: number;
  /** Median deviation of near-vertical lines from vertical, degrees. */
  tiltDegrees: number;
}

export interface DetectedObject {
  label: string;
  score: number;
  /** Normalised to the image: x, y, width, height in 0–1. */
  box: [number, number, number, number];
}

export interface PhotoAnalysis {
  assetId: string;
  width: number;
  height: number;
  quality: { score: number; reasons: string[]; measures: PhotoMeasures };
  setting: { value: (typeof SETTINGS)[number]; confidence: number } | null;
  room: { value: RoomType; confidence: number } | null;
  objects: DetectedObject[];
  /** Where the picture's subject is, 0–1 from the top left: aims smart crops and Ken Burns moves. */
  focus: { x: number; y: number };
  /** Which classifier decided the room: the built-in detector's rules or an operator's ONNX scene model. */
  classifier: string;
}

export interface PhotoAnalyzeResult {
  photos: PhotoAnalysis[];
  failed: { assetId: string; error: string }[];
}

export { ROOM_TYPES, SETTINGS };

/** Enhancement, a separate action: one photo a job, written as a new library image; the original stays as it is. */
export const PHOTO_ENHANCE_JOB = 'photo.enhance';

/** Photos under this many megapixels are upscaled 2× by ESRGAN first. */
export const ENHANCE_UPSCALE_BELOW_MP = 2;

export const photoEnhanceInput = z.strictObject({ assetId });
export type PhotoEnhanceInput = z.infer<typeof photoEnhanceInput>;

/** What the enhance job did, in plain words per step, and the new image. */
export interface PhotoEnhanceResult {
  sourceAssetId: string;
  /** The enhanced copy in the library. */
  assetId: string;
  width: number;
  height: number;
  steps: string[];
}
