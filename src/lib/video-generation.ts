/**
 * Video generation as the API, the library and the worker know it: text-to-video or image-to-video on a configured
 * server that speaks OpenAI's videos API, run as one `ai.video` job whose MP4 becomes a new asset.
 */
import { z } from 'zod';

/** The job type (credits are priced per job type, so the name is fixed). */
export const VIDEO_GENERATION_JOB = 'ai.video';

/** Sizes OpenAI's videos API takes, and LTX-Video's native 768×512 both ways. */
export const VIDEO_SIZES = ['1280x720', '720x1280', '1792x1024', '1024x1792', '768x512', '512x768'] as const;
export type VideoSize = (typeof VIDEO_SIZES)[number];

/** Whole seconds of video a request may ask for; servers take some lengths only (OpenAI: 4, 8, 12) and say so. */
export const VIDEO_SECONDS = { min: 1, max: 20, default: 4 } as const;
export const VIDEO_PROMPT_MAX_CHARS = 4000;

/** What the API, the page and the library's button say when the project has no video server. */
export const VIDEO_NOT_CONFIGURED = 'Video generation needs a configured server: Providers › Video generation.';

export const videoGenerationRequest = z.strictObject({
  // Any text, hostile or not: it is only ever sent to the server as a form field.
  prompt: z
    .string({ error: 'prompt is a string' })
    .trim()
    .min(1, 'prompt is empty: describe the video.')
    .max(VIDEO_PROMPT_MAX_CHARS, `A prompt has at most ${VIDEO_PROMPT_MAX_CHARS} characters.`),
  seconds: z
    .number({ error: 'seconds is a number' })
    .int('seconds is a whole number')
    .min(VIDEO_SECONDS.min, `seconds is at least ${VIDEO_SECONDS.min}`)
    .max(VIDEO_SECONDS.max, `seconds is at most ${VIDEO_SECONDS.max}`)
    .default(VIDEO_SECONDS.default),
  size: z.enum(VIDEO_SIZES, { error: `size is one of ${VIDEO_SIZES.join(', ')}` }).default('1280x720'),
  /** An image asset of the project to start from (image-to-video). */
  imageAssetId: z
    .string({ error: 'imageAssetId is an asset id' })
    .regex(/^[a-z0-9]{1,40}$/, 'imageAssetId is an asset id')
    .nullish()
});
export type VideoGenerationRequest = z.infer<typeof videoGenerationRequest>;

/** The job's input: what was asked, and the model it was asked of (the server's URL and key are handed out per attempt). */
export interface VideoGenerationInput {
  prompt: string;
  seconds: number;
  size: VideoSize;
  imageAssetId: string | null;
  model: string;
}

/** The job's result once the server has taken it. */
export interface VideoGenerationResult {
  assetId: string;
  /** The id the video server gave the generation. */
  serverVideoId: string;
}
