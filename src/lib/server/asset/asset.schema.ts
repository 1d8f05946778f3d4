import { z } from 'zod';
import { ASSET_KINDS, ASSET_STATUSES, PROCESSING_STATES } from '$lib/asset';

export const listAssetsSchema = z.object({
  q: z.string().trim().max(200).optional(),
  kind: z.enum(ASSET_KINDS).optional(),
  status: z.enum(ASSET_STATUSES).optional(),
  processing: z.enum(PROCESSING_STATES).optional(),
  tag: z.string().trim().min(1).max(40).optional(),
  minDuration: z.coerce.number().nonnegative().optional(),
  maxDuration: z.coerce.number().nonnegative().optional(),
  sort: z.enum(['newest', 'oldest', 'title', 'duration']).default('newest'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0)
});

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const tags = z.array(text(40)).max(50, 'at most 50 tags');

export const updateAssetSchema = z
  .object({
    title: text(200).optional(),
    artist: text(200).optional(),
    description: text(5000).optional(),
    category: text(80).optional(),
    tags: tags.optional(),
    status: z.enum(ASSET_STATUSES).optional(),
    rejectionReason: text(500).nullable().optional()
  })
  .strict();

export const bulkAssetsSchema = z
  .object({
    ids: z.array(z.string().min(1).max(64)).min(1, 'Select at least one asset.').max(500),
    addTags: tags.optional(),
    removeTags: tags.optional(),
    status: z.enum(ASSET_STATUSES).optional(),
    rejectionReason: text(500).nullable().optional()
  })
  .strict();
