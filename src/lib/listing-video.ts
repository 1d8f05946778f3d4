/**
 * Listing videos as the studio, the integration API and the worker know them: one `listing.render` job turns a
 * brief's photos into Ken Burns videos in several shapes, branded and MLS-unbranded.
 */
import { z } from 'zod';
import { listingSchema } from './editor/model/brief/listing';
import type { ListingCutArgs } from './editor/model/timeline/listing-cut';

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
export const LISTING_PHOTO_SECONDS = { min: 1, max: 10, default: 3 } as const;
/** The library category listing videos land in. */
export const LISTING_VIDEO_CATEGORY = 'Listing video';

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
  timeline: z.boolean().default(true),
  /** Seconds each photo is on screen before the cut moves to the nearest beat. */
  photoSeconds: z.number({ error: 'photoSeconds is a number' }).min(LISTING_PHOTO_SECONDS.min, `photoSeconds is at least ${LISTING_PHOTO_SECONDS.min}`).max(LISTING_PHOTO_SECONDS.max, `photoSeconds is at most ${LISTING_PHOTO_SECONDS.max}`).default(LISTING_PHOTO_SECONDS.default)
});
export type ListingRenderInput = z.infer<typeof listingRenderInput>;

/** What the studio asks for unless told otherwise: MLS-unbranded listings get every shape unbranded; others the wide and the reel branded, and a wide unbranded cut for the MLS. */
export function defaultListingVariants(mlsUnbranded: boolean): ListingVariant[] {
  if (mlsUnbranded) return LISTING_ASPECTS.map((aspect) => ({ aspect, branded: false }));
  return [
    { aspect: '16:9', branded: true },
    { aspect: '9:16', branded: true },
    { aspect: '16:9', branded: false }
  ];
}

/** The studio's request (POST /api/projects/:id/brief/video): the photos, listing and focus points come from the brief. */
export const listingVideoRequest = z.strictObject({
  variants: z.array(listingVariant).min(1, 'ask for at least one variant').max(8).optional(),
  musicAssetId: assetId.nullable().default(null),
  photoSeconds: listingRenderInput.shape.photoSeconds,
  timeline: z.boolean({ error: 'timeline is true or false' }).default(true)
});
export type ListingVideoRequest = z.infer<typeof listingVideoRequest>;

/** Seconds of one variant: the title card, the photos, the end card (the music moves cuts by a beat at most). */
export function estimatedListingSeconds(photos: number, photoSeconds: number): number {
  return 2.5 + photos * photoSeconds + 3.5;
}

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
  /** The project whose timeline (one per project) received the cut, when the input asked for it. */
  timelineId: string | null;
  /** Each staged photo shown, with the unaltered original it stands for (the end cards link to the originals). */
  staged: { assetId: string; stagedAssetId: string }[];
  /** The public read-only page of the unaltered photos the QR code opens; null without staged photos. */
  originalsUrl: string | null;
  /** The cut as timeline clips: what "Open in timeline" writes (the timeline.insertListingCut command). */
  cut: ListingCutArgs;
}
