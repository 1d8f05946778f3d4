/**
 * Listing videos as the studio, the integration API and the worker know them: one `listing.render` job turns a
 * brief's photos into Ken Burns videos in several shapes, branded and MLS-unbranded.
 */
import { z } from 'zod';
import { listingSchema } from './editor/model/brief/listing';

/** The job type (credits are priced per job type, so the name is fixed). */
export const LISTING_RENDER_JOB = 'listing.render';

export const LISTING_ASPECTS = ['16:9', '9:16', '1:1', '4:5'] as const;
export type ListingAspect = (typeof LISTING_ASPECTS)[number];
/** Output size per shape: 1080 on the short side (16:9 1920×1080, reels 1080×1920, feeds 1080×1080 and 1080×1350). */
export const LISTING_SIZES: Record<ListingAspect, { width: number; height: number }> = {
  '16:9': { width: 1920, height: 1080 },
  '9:16': { width: 1080, height: 1920 },
  '1:1': { width: 1080, height: 1080 },
  '4:5': { width: 1080, height: 1350 }
};
export const MAX_LISTING_PHOTOS = 60;

const assetId = z.string({ error: 'an asset id is a string' }).regex(/^[a-z0-9]{1,40}$/, 'not an asset id');
const unit = z.number().min(0).max(1);

export const listingVariant = z.strictObject({
  aspect: z.enum(LISTING_ASPECTS, { error: `aspect is one of ${LISTING_ASPECTS.join(', ')}` }),
  /** false: MLS-unbranded (no agent name, logo, phone, e-mail or URL anywhere in picture or sound). */
  branded: z.boolean()
});
export type ListingVariant = z.infer<typeof listingVariant>;

/** The job's input. */
export const listingRenderInput = z.strictObject({
  photos: z
    .array(
      z.strictObject({
        assetId,
        /** The virtually staged copy shown instead of the photo; it carries the "Virtually staged" mark. */
        stagedAssetId: assetId.nullable().default(null),
        focus: z.strictObject({ x: unit, y: unit }).nullable().default(null)
      })
    )
    .min(1, 'a listing video needs at least one photo')
    .max(MAX_LISTING_PHOTOS, `at most ${MAX_LISTING_PHOTOS} photos`),
  musicAssetId: assetId.nullable().default(null),
  listing: listingSchema,
  variants: z.array(listingVariant).min(1, 'ask for at least one variant').max(8),
  /** Also write the 16:9 cut as a timeline in the project, to fine-tune in the timeline editor. */
  timeline: z.boolean().default(true)
});
export type ListingRenderInput = z.infer<typeof listingRenderInput>;

export interface ListingRenderOutput {
  aspect: ListingAspect;
  branded: boolean;
  assetId: string;
  width: number;
  height: number;
  seconds: number;
}

export interface ListingRenderResult {
  outputs: ListingRenderOutput[];
  /** Beat times (s) the cuts were put on; empty without music. */
  beats: number[];
  /** Photo clips taken from the clip cache, and rendered anew. */
  cachedClips: number;
  renderedClips: number;
  timelineId: string | null;
}
