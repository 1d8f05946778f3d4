import { z } from 'zod';
import { PODCAST_CATEGORIES } from '$lib/podcast';
import { slugSchema } from '../channel/channel.schema';

/** Characters XML 1.0 cannot hold at all (escaping cannot save them): refused rather than dropped silently. */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const text = (field: string, max: number, min = 0) =>
  z
    .string({ error: `${field} is a string` })
    .trim()
    .min(min, min ? `${field} is required.` : undefined)
    .max(max, `${field} has at most ${max} characters.`)
    .refine((s) => !XML_INVALID.test(s), `${field} holds control characters a feed cannot carry.`);

const assetId = (field: string) => z.string({ error: `${field} is a string` }).regex(/^[a-z2-7]{16}$/, `${field} is not an asset id.`);

const podcastFields = {
  title: text('title', 200, 1),
  // Apple Podcasts takes up to 4000 characters of description.
  description: text('description', 4000, 1),
  author: text('author', 200, 1),
  language: z
    .string({ error: 'language is a string' })
    .trim()
    .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'language is a language tag such as "en" or "de-AT".'),
  category: z.enum(PODCAST_CATEGORIES, { error: `category is one of: ${PODCAST_CATEGORIES.join(', ')}` }),
  explicit: z.boolean({ error: 'explicit is true or false' }),
  artworkAssetId: assetId('artworkAssetId').nullable(),
  published: z.boolean({ error: 'published is true or false' }),
  slug: slugSchema
};

export const createPodcastSchema = z.strictObject({
  ...podcastFields,
  language: podcastFields.language.default('en'),
  explicit: podcastFields.explicit.default(false),
  artworkAssetId: podcastFields.artworkAssetId.default(null),
  published: podcastFields.published.default(false),
  slug: podcastFields.slug.optional()
});
export type CreatePodcastInput = z.infer<typeof createPodcastSchema>;

export const updatePodcastSchema = z.strictObject(podcastFields).partial();
export type UpdatePodcastInput = z.infer<typeof updatePodcastSchema>;

const when = (field: string) => z.number({ error: `${field} is a time in ms since the epoch` }).int().min(Date.UTC(2000, 0, 1), `${field} is a time in ms since the epoch`);

/** Longest episode cut from recordings: a day of air. */
export const MAX_EPISODE_MS = 24 * 3600_000;

const episodeFields = {
  title: text('title', 200, 1),
  description: text('description', 4000),
  published: z.boolean({ error: 'published is true or false' }),
  publishAt: when('publishAt')
};

const fromRecording = z
  .strictObject({
    source: z.literal('recording'),
    start: when('start'),
    end: when('end'),
    title: episodeFields.title,
    description: episodeFields.description.default(''),
    published: episodeFields.published.default(true),
    publishAt: episodeFields.publishAt.optional()
  })
  .refine((e) => e.end > e.start, { message: 'end must be after start.', path: ['end'] })
  .refine((e) => e.end - e.start <= MAX_EPISODE_MS, { message: 'An episode from recordings is at most 24 hours long.', path: ['end'] });

const fromAsset = z.strictObject({
  source: z.literal('asset'),
  assetId: assetId('assetId'),
  title: episodeFields.title.optional(),
  description: episodeFields.description.default(''),
  published: episodeFields.published.default(true),
  publishAt: episodeFields.publishAt.optional()
});

export const createEpisodeSchema = z.discriminatedUnion('source', [fromRecording, fromAsset], {
  error: 'source is "recording" (with start and end) or "asset" (with assetId).'
});
export type CreateEpisodeInput = z.infer<typeof createEpisodeSchema>;

export const updateEpisodeSchema = z.strictObject(episodeFields).partial();
export type UpdateEpisodeInput = z.infer<typeof updateEpisodeSchema>;

/** A recording file's name as the live job's recorder writes it. */
export const recordingName = z.string().regex(/^rec-\d{8}-\d{6}\.m4a$/, 'Not a recording file name.');
