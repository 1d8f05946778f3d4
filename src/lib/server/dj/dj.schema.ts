import { z } from 'zod';
import { BUILTIN_VOICES, PITCH_RANGE, RATE_RANGE } from '$lib/ai';
import { DJ_DUCK_RANGE, DJ_EVERY_N_MAX, DJ_NAME_MAX, DJ_POLICIES, DJ_STYLE_MAX, DJ_TEXT_MAX } from '$lib/dj';

const builtinEngines = Object.keys(BUILTIN_VOICES) as [keyof typeof BUILTIN_VOICES, ...(keyof typeof BUILTIN_VOICES)[]];

/** PUT /api/channels/:id/dj: the whole persona (every field has a default, so a partial body fills the rest). */
export const djPersonaSchema = z
  .object({
    enabled: z.boolean().default(false),
    name: z.string().trim().min(1, 'Give the DJ a name.').max(DJ_NAME_MAX).default('Your DJ'),
    style: z.string().max(DJ_STYLE_MAX).default(''),
    voice: z
      .object({
        /** null: the project's voice (Providers). */
        engine: z.enum(builtinEngines).nullable(),
        voice: z.string().max(64).nullable().default(null),
        rate: z.number().min(RATE_RANGE.min).max(RATE_RANGE.max).default(1),
        pitch: z.number().min(PITCH_RANGE.min).max(PITCH_RANGE.max).default(0)
      })
      .strict()
      .refine((v) => v.engine === null || (v.voice !== null && BUILTIN_VOICES[v.engine].includes(v.voice)), {
        message: 'Pick a voice the engine has (see GET /api/projects/:id/providers for the list), or engine null for the project voice.'
      })
      .default({ engine: null, voice: null, rate: 1, pitch: 0 }),
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
