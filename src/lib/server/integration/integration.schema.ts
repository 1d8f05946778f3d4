import { z } from 'zod';
import { DEFAULT_LISTING, listingSchema } from '$lib/editor/model/brief/listing';
import { LISTING_ASPECTS, listingRenderInput, listingVariant, MAX_LISTING_PHOTOS } from '$lib/listing-video';
import { isHttpUrlWithoutCredentials } from '../http/http-url';

/** Photos one classify request may name (they become jobs of MAX_PHOTOS_PER_ANALYSIS each). */
export const MAX_CLASSIFY_PHOTOS = 500;

const url = z
  .string({ error: 'url is a string' })
  .max(2000, 'a URL has at most 2000 characters')
  .refine(isHttpUrlWithoutCredentials, 'an http:// or https:// URL without credentials');
const assetId = z.string({ error: 'assetId is a string' }).regex(/^[a-z0-9]{1,40}$/, 'not an asset id');

/** A photo (or the music) named by URL, fetched into the library, or by the id of an asset already there. */
const mediaRef = z.union([z.strictObject({ url }), z.strictObject({ assetId })], { error: 'give either {"url": …} or {"assetId": …}' });
export type MediaRef = z.infer<typeof mediaRef>;

const callbackUrl = url.optional();

export const classifyRequestSchema = z.strictObject({
  photos: z.array(mediaRef).min(1, 'name at least one photo').max(MAX_CLASSIFY_PHOTOS, `at most ${MAX_CLASSIFY_PHOTOS} photos per request`),
  callbackUrl,
  writeToBrief: z.boolean({ error: 'writeToBrief is true or false' }).default(false)
});
export type ClassifyRequest = z.infer<typeof classifyRequestSchema>;

const unit = z.number().min(0).max(1);
const photoExtras = { staged: mediaRef.optional(), focus: z.strictObject({ x: unit, y: unit }).optional() };
/** A photo of the video; `staged`: its virtually staged copy, shown with the "Virtually staged" mark. */
const renderPhoto = z.union([z.strictObject({ url, ...photoExtras }), z.strictObject({ assetId, ...photoExtras })], {
  error: 'give either {"url": …} or {"assetId": …}, with optional staged and focus'
});

/** Any listing fields; the rest take the studio's defaults. */
const listing = z.preprocess((v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const given = v as Record<string, unknown>;
  const branding = given.branding && typeof given.branding === 'object' ? given.branding : {};
  return { ...DEFAULT_LISTING, ...given, branding: { ...DEFAULT_LISTING.branding, ...branding } };
}, listingSchema);

export const renderRequestSchema = z.strictObject({
  photos: z.array(renderPhoto).min(1, 'a listing video needs at least one photo').max(MAX_LISTING_PHOTOS, `at most ${MAX_LISTING_PHOTOS} photos`),
  music: mediaRef.nullable().default(null),
  listing: listing.default(DEFAULT_LISTING),
  variants: z.array(listingVariant).min(1, 'ask for at least one variant').max(8).default([{ aspect: LISTING_ASPECTS[0], branded: true }]),
  timeline: z.boolean({ error: 'timeline is true or false' }).default(true),
  photoSeconds: listingRenderInput.shape.photoSeconds,
  callbackUrl
});
export type RenderRequest = z.infer<typeof renderRequestSchema>;
