import { z } from 'zod';
import { builtinVoiceSchema } from '../ai/providers.schema';
import { DJ_DUCK_RANGE, DJ_EVERY_N_MAX, DJ_NAME_MAX, DJ_POLICIES, DJ_STYLE_MAX, DJ_TEXT_MAX } from '$lib/dj';

/** PUT /api/channels/:id/dj: the whole persona (every field has a default, so a partial body fills the rest). */
export const djPersonaSchema = z
  .object({
    enabled: z.boolean().default(false),
    name: z.string().trim().min(1, 'Give the DJ a name.').max(DJ_NAME_MAX).default('Your DJ'),
    style: z.string().max(DJ_STYLE_MAX).default(''),
    /** null: the project's voice (Providers). */
    voice: builtinVoiceSchema.nullable().default(null),
    policy: z.enum(DJ_POLICIES, { error: `policy is one of ${DJ_POLICIES.join(', ')}` }).default('every'),
    everyN: z.number().int().min(1).max(DJ_EVERY_N_MAX).default(3),
    stationIdHourly: z.boolean().default(true),
    duckDb: z.number().min(DJ_DUCK_RANGE.min).max(DJ_DUCK_RANGE.max).default(-12)
  })
  .strict();
export type DjPersonaInput = z.infer<typeof djPersonaSchema>;

/** PATCH /api/channels/:id/intros/:introId: a new line, voiced again. */
export const djIntroEditSchema = z
  .object({ text: z.string().trim().min(1, 'The line is empty: write what the DJ says.').max(DJ_TEXT_MAX, `A line has at most ${DJ_TEXT_MAX} characters.`) })
  .strict();

const MAX_RANGE_MS = 7 * 24 * 3600_000;
/** GET /api/channels/:id/intros?from&to (ms since the epoch; default: the last hour and the next one). */
export const djIntroQuerySchema = z
  .object({
    from: z.coerce.number({ error: 'from must be a time in ms since the epoch' }).int().nonnegative().optional(),
    to: z.coerce.number({ error: 'to must be a time in ms since the epoch' }).int().nonnegative().optional()
  })
  .refine((q) => q.from === undefined || q.to === undefined || (q.to > q.from && q.to - q.from <= MAX_RANGE_MS), { message: 'to must be after from, at most 7 days later.' });

/** What a dj.intro worker answers; checked before the intro is marked ready. */
export const djIntroResultSchema = z.object({
  text: z.string().min(1).max(DJ_TEXT_MAX * 2),
  source: z.enum(['llm', 'template']),
  duration: z.number().positive().max(120),
  file: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive() })
});
