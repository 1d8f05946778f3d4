import { z } from 'zod';

export const liveActionSchema = z
  .object({ action: z.enum(['start', 'stop'], { error: 'action must be "start" or "stop"' }) })
  .strict();

export const planQuerySchema = z.object({
  from: z.coerce.number({ error: 'from must be a time in ms since the epoch' }).int().positive(),
  count: z.coerce.number().int().min(1).max(50).default(8)
});

const kinds = ['track', 'jingle', 'break', 'fallback', 'emergency'] as const;

/** A planned item as the worker aired it (what it was sent by the plan endpoint). */
export const playedItemSchema = z.object({
  kind: z.enum(kinds),
  assetId: z.string().max(64).nullable(),
  itemId: z.string().max(64).nullable(),
  requestId: z.string().max(64).nullable(),
  start: z.number().int().positive(),
  end: z.number().int().positive(),
  cueIn: z.number().nonnegative(),
  fadeIn: z.number().nonnegative(),
  fadeOut: z.number().nonnegative(),
  blockId: z.string().max(64).nullable(),
  playlistId: z.string().max(64).nullable(),
  show: z.string().max(200),
  prompt: z.string().max(4000).nullable(),
  reason: z.string().max(1000),
  alert: z.boolean(),
  title: z.string().max(500).default(''),
  artist: z.string().max(500).default('')
});
export type PlayedItem = z.infer<typeof playedItemSchema>;

const outputHealthSchema = z.object({
  name: z.string().max(200),
  kind: z.string().max(40),
  state: z.enum(['starting', 'connected', 'retrying', 'stopped']),
  nextAttemptAt: z.number().nullable(),
  lastError: z.string().max(1000).nullable(),
  restarts: z.number().int().nonnegative(),
  stalls: z.number().int().nonnegative()
});

export const healthReportSchema = z.object({
  silent: z.boolean(),
  emergency: z.boolean(),
  message: z.string().max(500).nullable(),
  outputs: z.array(outputHealthSchema).max(20).default([])
});
export type HealthReport = z.infer<typeof healthReportSchema>;

/** A recording file as the worker names it: the UTC start of its segment. */
export const recordingFileName = z.string().regex(/^rec-\d{8}-\d{6}\.m4a$/, 'Recording files are rec-YYYYMMDD-HHMMSS.m4a');

export const hlsFileName = z.string().regex(/^(index\.m3u8|seg-\d{1,12}\.ts)$/, 'HLS files are index.m3u8 and seg-N.ts');

export const playLogQuerySchema = z.object({
  limit: z.coerce.number({ error: 'limit is a number' }).int('limit is a whole number').min(1, 'limit is 1 to 200').max(200, 'limit is 1 to 200').default(20)
});

export const upcomingQuerySchema = z.object({
  count: z.coerce.number({ error: 'count is a number' }).int('count is a whole number').min(1, 'count is 1 to 50').max(50, 'count is 1 to 50').default(12)
});
