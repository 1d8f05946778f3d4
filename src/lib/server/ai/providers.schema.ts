import { z } from 'zod';
import { isHttpUrlWithoutCredentials } from '../http/http-url';
import { ASR_ENGINES, BUILTIN_VOICES, PITCH_RANGE, PREVIEW_MAX_CHARS, RATE_RANGE, TTS_ENGINES, VIDEO_KINDS } from '$lib/ai';
import { MUSIC_ENGINES } from '$lib/generator';

const baseUrl = z
  .string({ error: 'baseUrl is a string' })
  .trim()
  .max(500, 'A base URL has at most 500 characters.')
  .refine(isHttpUrlWithoutCredentials, 'baseUrl is an http:// or https:// URL without credentials (e.g. https://api.openai.com/v1).')
  .transform((u) => u.replace(/\/+$/, ''));

const model = z
  .string({ error: 'model is a string' })
  .trim()
  .min(1, 'model is a model name.')
  .max(200, 'A model name has at most 200 characters.')
  .regex(/^[\x21-\x7e]+$/, 'A model name is printable characters without spaces.');

// null clears the stored key; leaving the field out keeps it.
const apiKey = z
  .string({ error: 'apiKey is a string' })
  .trim()
  .min(1, 'apiKey is empty: send null to remove the key.')
  .max(1000, 'An API key has at most 1000 characters.')
  .regex(/^[\x21-\x7e]+$/, 'An API key is printable characters without spaces.')
  .nullable();

const llmSchema = z.strictObject({ baseUrl: baseUrl.nullable(), model: model.nullable(), apiKey }).partial();

const ttsSchema = z
  .strictObject({
    engine: z.enum(TTS_ENGINES, { error: `engine is one of ${TTS_ENGINES.join(', ')}` }),
    voice: z.string({ error: 'voice is a string' }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'voice is a voice name (letters, digits, _ and -).'),
    rate: z.number({ error: 'rate is a number' }).min(RATE_RANGE.min, `rate is at least ${RATE_RANGE.min}`).max(RATE_RANGE.max, `rate is at most ${RATE_RANGE.max}`),
    pitch: z.number({ error: 'pitch is a number' }).min(PITCH_RANGE.min, `pitch is at least ${PITCH_RANGE.min}`).max(PITCH_RANGE.max, `pitch is at most ${PITCH_RANGE.max}`),
    baseUrl: baseUrl.nullable().default(null),
    model: model.nullable().default(null),
    apiKey: apiKey.optional()
  })
  .superRefine((t, ctx) => {
    if (t.engine === 'openai') {
      if (!t.baseUrl || !t.model) ctx.addIssue({ code: 'custom', message: 'The openai engine needs baseUrl and model.' });
    } else if (!BUILTIN_VOICES[t.engine].includes(t.voice)) {
      ctx.addIssue({ code: 'custom', path: ['voice'], message: `${t.engine} voices are ${BUILTIN_VOICES[t.engine].join(', ')}.` });
    }
  });

// Speech recognition for captions: builtin needs nothing; openai without a base URL falls back to the language model's.
const asrSchema = z.strictObject({
  engine: z.enum(ASR_ENGINES, { error: `engine is one of ${ASR_ENGINES.join(', ')}` }),
  baseUrl: baseUrl.nullable().default(null),
  model: model.nullable().default(null),
  apiKey: apiKey.optional()
});

// A video generation server; baseUrl and model null turn it off.
const videoSchema = z
  .strictObject({
    kind: z.enum(VIDEO_KINDS, { error: `kind is one of ${VIDEO_KINDS.join(', ')}` }).default('openai-videos'),
    baseUrl: baseUrl.nullable(),
    model: model.nullable(),
    apiKey: apiKey.optional()
  })
  .refine((v) => (v.baseUrl === null) === (v.model === null), 'A video server needs both baseUrl and model (or both null to turn it off).');

const musicSchema = z
  .strictObject({
    engine: z.enum(MUSIC_ENGINES, { error: `engine is one of ${MUSIC_ENGINES.join(', ')}` }),
    baseUrl: baseUrl.nullable().default(null),
    model: model.nullable().default(null),
    apiKey: apiKey.optional()
  })
  .superRefine((m, ctx) => {
    if (m.engine === 'http' && !m.baseUrl) ctx.addIssue({ code: 'custom', message: 'The http engine needs the MusicGen server’s baseUrl.' });
  });

// An image-edit server for virtual staging; baseUrl and model null turn it off.
const stagingSchema = z
  .strictObject({ baseUrl: baseUrl.nullable(), model: model.nullable(), apiKey: apiKey.optional() })
  .refine((v) => (v.baseUrl === null) === (v.model === null), 'A staging provider needs both baseUrl and model (or both null to turn it off).');

const SECTIONS = ['llm', 'tts', 'asr', 'video', 'music', 'staging'] as const;

export const updateProvidersSchema = z
  .strictObject({ llm: llmSchema, tts: ttsSchema, asr: asrSchema, video: videoSchema, music: musicSchema, staging: stagingSchema })
  .partial()
  .refine((v) => SECTIONS.some((k) => v[k] !== undefined), `Send at least one of ${SECTIONS.join(', ')}.`);
export type UpdateProvidersInput = z.infer<typeof updateProvidersSchema>;

export const providerTestSchema = z.strictObject({ kind: z.enum(SECTIONS, { error: `kind is one of ${SECTIONS.join(', ')}` }) });

const builtinEngines = Object.keys(BUILTIN_VOICES) as [keyof typeof BUILTIN_VOICES, ...(keyof typeof BUILTIN_VOICES)[]];

/** A built-in voice to hear instead of the project's (the DJ persona's own voice). */
export const builtinVoiceSchema = z
  .strictObject({
    engine: z.enum(builtinEngines),
    voice: z.string().max(64),
    rate: z.number().min(RATE_RANGE.min).max(RATE_RANGE.max).default(1),
    pitch: z.number().min(PITCH_RANGE.min).max(PITCH_RANGE.max).default(0)
  })
  .refine((v) => BUILTIN_VOICES[v.engine].includes(v.voice), { message: 'Pick a voice the engine has (see BUILTIN_VOICES).' });

export const ttsPreviewSchema = z.strictObject({
  text: z
    .string({ error: 'text is a string' })
    .trim()
    .min(1, 'text is empty.')
    .max(PREVIEW_MAX_CHARS, `A preview speaks at most ${PREVIEW_MAX_CHARS} characters.`),
  voice: builtinVoiceSchema.optional()
});
