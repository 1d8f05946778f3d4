/**
 * The `staging.render` job as the server, the worker and the board know it: a brief photo's staged copy, made either
 * from the staging board (cut-outs composited with sharp) or by the project's staging provider (an image-edit server),
 * always with the "Virtually staged" mark; the copy becomes a new asset and the photo's `stagedAssetId`.
 */
import { z } from 'zod';
import { placementSchema, type StagingPlacement } from '../editor/model/brief/placement';

export const STAGING_RENDER = 'staging.render';

export const STAGING_PROVIDER_NOT_CONFIGURED = 'No staging provider is configured: set one in AI providers › Staging, or place cut-outs on the board and render.';

export const MAX_STAGING_PROMPT = 2000;

export const stagingRenderInput = z.discriminatedUnion('method', [
  z.object({ method: z.literal('board'), photoId: z.string(), roomAssetId: z.string(), placements: z.array(placementSchema).max(200) }),
  z.object({ method: z.literal('provider'), photoId: z.string(), roomAssetId: z.string(), prompt: z.string().max(MAX_STAGING_PROMPT * 2), model: z.string() })
]);
export type StagingRenderInput = z.infer<typeof stagingRenderInput> & { placements?: StagingPlacement[] };

/** Signed URL keys the worker gets: the room photo, each cut-out by its id. */
export const cutoutUrlKey = (cutoutId: string) => `cutout:${cutoutId}`;

export const stageWithProviderRequest = z.strictObject({
  prompt: z
    .string({ error: 'prompt is a string' })
    .trim()
    .max(MAX_STAGING_PROMPT, `A prompt has at most ${MAX_STAGING_PROMPT} characters.`)
    .optional()
});

export interface StagingResult {
  assetId: string;
  photoId: string;
}
