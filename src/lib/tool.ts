/** Media tools as the API, the library and the tool workers know them: ffmpeg filters run on one asset as a job. */
import { z } from 'zod';
import type { AssetKind, ProcessingState } from './asset';
import { CAPTION_ENGINES, type CaptionCue } from './captions';
import type { JobJson } from './job';

export const TOOLS = ['cleanup', 'silence', 'scenes', 'stabilize', 'denoise', 'color', 'upscale', 'captions', 'speech'] as const;
export type ToolName = (typeof TOOLS)[number];

/** Job types are `tool.<name>` (credits are counted per job type, so these names are fixed). */
export const toolJobType = (tool: ToolName) => `tool.${tool}` as const;
export const TOOL_JOB_TYPES = TOOLS.map(toolJobType);
export const toolOfJobType = (type: string): ToolName | null => TOOLS.find((t) => toolJobType(t) === type) ?? null;

export const TOOL_LABELS: Record<ToolName, { name: string; does: string; job: string }> = {
  cleanup: { name: 'Audio cleanup', does: 'RNNoise (neural noise suppression), hum and noise reduction, voice levelling, loudness to −16 LUFS: a new asset.', job: 'Cleaning up audio' },
  silence: { name: 'Silence removal', does: 'Finds silent stretches as proposed cuts; on request a new asset without them.', job: 'Finding silence' },
  scenes: { name: 'Scene detection', does: 'Finds the cuts between shots, with how sure each is.', job: 'Detecting scenes' },
  stabilize: { name: 'Stabilization', does: 'Smooths out camera shake (two passes): a new video asset.', job: 'Stabilizing video' },
  denoise: { name: 'Video denoise', does: 'Removes grain and sensor noise (hqdn3d fast, or nlmeans quality, much slower): a new video asset.', job: 'Denoising video' },
  color: { name: 'Colour auto-correction', does: 'Stretches black and white points and balances grey from measured levels: a new video asset.', job: 'Correcting colour' },
  upscale: { name: 'Upscale', does: 'Two or four times the size: a still by ESRGAN (neural, slim model), a video by Lanczos scaling + sharpening: a new asset.', job: 'Upscaling' },
  captions: { name: 'Captions', does: 'Speech to WebVTT and SRT captions, kept with this asset to download.', job: 'Transcribing speech' },
  speech: { name: 'Speech detection', does: 'Where someone speaks, by Silero VAD (a small neural model): segments to mark on the timeline and to time captions.', job: 'Detecting speech' }
};

/** The largest picture upscale makes: 4K UHD. */
export const UPSCALE_MAX = { width: 3840, height: 2160 } as const;
export const UPSCALE_FACTORS = [2, 4] as const;

/** How upscale enlarges each kind of asset; ESRGAN runs on stills only (on this CPU it takes seconds per 1080p-frame tile set, far from video speed: see bench/media-tools.bench.ts). */
export const UPSCALE_METHODS = { esrgan: 'ESRGAN (neural, slim model)', lanczos: 'Lanczos scaling + sharpening' } as const;
export type UpscaleMethod = keyof typeof UPSCALE_METHODS;
export const upscaleMethod = (kind: AssetKind): UpscaleMethod => (kind === 'image' ? 'esrgan' : 'lanczos');

const db = (min: number, max: number, name: string) => z.number({ error: `${name} must be a number` }).min(min, `${name} must be ${min} or more`).max(max, `${name} must be ${max} or less`);

/** Options per tool; every field has a default, so `{}` runs a tool as it is meant to run. */
export const TOOL_OPTIONS = {
  cleanup: z
    .object({
      /** afftdn noise reduction, dB. */
      denoise: db(0, 40, 'denoise').default(12),
      /** Mains hum to notch out (with its harmonics); auto measures 50 and 60 Hz first. */
      hum: z.enum(['auto', '50', '60', 'off'], { error: 'hum must be auto, 50, 60 or off' }).default('auto'),
      /** speechnorm: quiet and loud passages of a voice brought closer together. */
      level: z.boolean({ error: 'level must be true or false' }).default(true),
      /** RNNoise (neural noise suppression) on 48 kHz frames before the filters: speech kept, steady and unsteady noise taken out. */
      rnnoise: z.boolean({ error: 'rnnoise must be true or false' }).default(true)
    })
    .strict(),
  silence: z
    .object({
      /** Quieter than this (dBFS) counts as silence. */
      thresholdDb: db(-90, -10, 'thresholdDb').default(-40),
      /** Seconds of silence before it counts. */
      minSilence: db(0.1, 60, 'minSilence').default(0.5),
      /** Seconds of each silence kept on either side of a cut, so speech does not start abruptly. */
      padding: db(0, 2, 'padding').default(0.1),
      /** Also make a new asset with the cuts removed. */
      remove: z.boolean({ error: 'remove must be true or false' }).default(false)
    })
    .strict(),
  scenes: z
    .object({
      /** scdet's threshold (0–100): a frame change scoring above it is a cut. */
      threshold: db(1, 100, 'threshold').default(10)
    })
    .strict(),
  stabilize: z
    .object({
      /** vidstabdetect: how shaky the camera is, 1 (little) to 10 (very). */
      shakiness: z.number({ error: 'shakiness must be a number' }).int('shakiness must be a whole number').min(1).max(10).default(5),
      /** vidstabtransform: frames each way the camera path is averaged over; more is smoother. */
      smoothing: z.number({ error: 'smoothing must be a number' }).int('smoothing must be a whole number').min(1).max(100).default(15)
    })
    .strict(),
  denoise: z
    .object({
      /** fast: hqdn3d (spatial and temporal smoothing, about real time); quality: nlmeans (non-local means, keeps edges, many times slower). */
      method: z.enum(['fast', 'quality'], { error: 'method must be fast or quality' }).default('fast'),
      /** 1 (light) to 10 (heavy): hqdn3d's luma strength, nlmeans' s. */
      strength: z.number({ error: 'strength must be a number' }).min(1, 'strength must be 1 or more').max(10, 'strength must be 10 or less').default(4)
    })
    .strict(),
  color: z
    .object({
      /** Stretch the measured black and white points to the full video range. */
      levels: z.boolean({ error: 'levels must be true or false' }).default(true),
      /** Shift the picture's mean colour to neutral grey (grey world), undoing a colour cast. */
      balance: z.boolean({ error: 'balance must be true or false' }).default(true)
    })
    .strict()
    .refine((o) => o.levels || o.balance, 'levels and balance cannot both be false: there would be nothing to correct'),
  upscale: z
    .object({
      factor: z.union([z.literal(2), z.literal(4)], { error: 'factor must be 2 or 4' }).default(2)
    })
    .strict(),
  captions: z
    .object({
      /**
       * builtin: ffmpeg's asr filter (pocketsphinx); openai: the project's OpenAI-compatible /v1/audio/transcriptions.
       * Left out: the project's speech recognition setting (Providers › Speech recognition); the job records which.
       */
      engine: z.enum(CAPTION_ENGINES, { error: 'engine must be builtin or openai' }).optional(),
      /** The transcription model (openai engine only); left out: the project's ASR model, else whisper-1. */
      model: z
        .string({ error: 'model must be a string' })
        .max(100, 'model has at most 100 characters')
        .regex(/^[\w.:/-]+$/, 'model is a name such as whisper-1 (letters, digits, . : / - _)')
        .optional(),
      /** Snap each cue's start and end to the speech Silero VAD hears nearby (within half a second). */
      alignToSpeech: z.boolean({ error: 'alignToSpeech must be true or false' }).default(true)
    })
    .strict(),
  speech: z
    .object({
      /** Silero's speech probability (0–1) above which a frame is speech; lower finds quieter speech and more false alarms. */
      minProbability: z.number({ error: 'minProbability must be a number' }).min(0.1, 'minProbability must be 0.1 or more').max(0.95, 'minProbability must be 0.95 or less').default(0.5),
      /** Pauses shorter than this (seconds) stay inside one segment. */
      minPause: db(0.1, 3, 'minPause').default(0.5)
    })
    .strict()
} satisfies Record<ToolName, z.ZodType>;

export type ToolOptions<T extends ToolName> = z.infer<(typeof TOOL_OPTIONS)[T]>;

export interface TimeRange {
  start: number;
  end: number;
}

/** What the analysing tools found; times in seconds of the source asset. */
export interface ToolFindings {
  /** silence: the silent stretches, and the cuts proposed in them (each silence less its padding). */
  silences?: TimeRange[];
  cuts?: TimeRange[];
  /** scenes: where a new shot starts, with scdet's score (0–100). */
  scenes?: { time: number; score: number }[];
  /** captions: the cues written to the asset's captions.vtt and captions.srt. */
  cues?: CaptionCue[];
  /** speech: where Silero VAD heard speech. */
  speech?: TimeRange[];
}

/** A tool job's result once the server has taken it: the new asset (if the tool made one) and the findings. */
export interface ToolResult {
  assetId: string | null;
  findings: ToolFindings;
  /** What the tool measured and did to make the asset (cleanup: hum, noiseFloorDb, loudness), null when it made none. */
  report: Record<string, unknown> | null;
}

/** What an asset offers a tool. */
export interface ToolSubject {
  kind: AssetKind;
  processing: ProcessingState;
  hasAudio: boolean;
  hasVideo: boolean;
}

export type ToolRefusal = { status: 409 | 422; code: 'asset_not_processed' | 'tool_not_applicable' | 'output_too_large'; message: string };

/** Tools that work on the picture: they need a video stream. */
const PICTURE_TOOLS: ReadonlySet<ToolName> = new Set(['scenes', 'stabilize', 'denoise', 'color', 'upscale']);

/** Why `tool` cannot run on this asset (null: it can). The library disables the tool with this message; the API refuses with it. */
export function toolRefusal(tool: ToolName, a: ToolSubject): ToolRefusal | null {
  const wrong = (message: string): ToolRefusal => ({ status: 422, code: 'tool_not_applicable', message });
  const picture = PICTURE_TOOLS.has(tool);
  const still = a.kind === 'image' && tool === 'upscale';
  if (a.kind === 'image' && !still) return wrong(`${TOOL_LABELS[tool].name} works on ${picture ? 'video' : 'audio and video'}, not images.`);
  if (picture && a.kind === 'audio') return wrong(`${TOOL_LABELS[tool].name} needs a video; this asset is sound only.`);
  if (a.processing !== 'ready') {
    return { status: 409, code: 'asset_not_processed', message: `The asset is not processed yet (${a.processing}); tools run once processing is done.` };
  }
  if (picture && !still && !a.hasVideo) return wrong(`${TOOL_LABELS[tool].name} needs a picture; this file has none.`);
  if ((tool === 'cleanup' || tool === 'silence' || tool === 'captions' || tool === 'speech') && !a.hasAudio) return wrong(`${TOOL_LABELS[tool].name} needs sound; this video has none.`);
  return null;
}

/** Why upscaling a `width`×`height` picture `factor` times is refused (null: it is not): the result would be larger than 4K. */
export function upscaleRefusal(width: number | null, height: number | null, factor: number): ToolRefusal | null {
  if (!width || !height) return null;
  const w = width * factor;
  const h = height * factor;
  // Portrait video counts against 4K turned on its side.
  const [long, short] = w >= h ? [w, h] : [h, w];
  if (long <= UPSCALE_MAX.width && short <= UPSCALE_MAX.height) return null;
  return {
    status: 422,
    code: 'output_too_large',
    message: `Upscaling ${width}×${height} by ${factor} would make ${w}×${h}, larger than 4K (${UPSCALE_MAX.width}×${UPSCALE_MAX.height}); choose a smaller factor.`
  };
}

/** The streams an asset's probe (from processing) lists. */
export function streamsOf(probe: unknown): { hasAudio: boolean; hasVideo: boolean } {
  const p = (probe ?? {}) as { audio?: unknown; video?: unknown };
  return { hasAudio: !!p.audio, hasVideo: !!p.video };
}

/** Speech detection's jobs are read newest first, a page of this many at a time (the jobs listing's limit). */
export const SPEECH_PAGE = 200;

/**
 * Adds to `found` the speech segments of the newest succeeded `tool.speech` job per asset in `jobs` (a page of the
 * listing, newest first): what speech ducking plays by. An asset already in `found` keeps its newer result.
 */
export function collectSpeech(found: Record<string, TimeRange[]>, jobs: readonly JobJson[]): void {
  for (const job of jobs) {
    if (job.type !== toolJobType('speech') || job.status !== 'succeeded') continue;
    const assetId = (job.input as { assetId?: unknown } | null)?.assetId;
    const speech = (job.result as ToolResult | null)?.findings?.speech;
    if (typeof assetId === 'string' && Array.isArray(speech) && !found[assetId]) found[assetId] = speech;
  }
}

/**
 * The newest speech detection result of each of `assetIds` (those never detected are left out), paging through the
 * project's succeeded speech jobs with `page(before)` until all are found or the listing ends.
 */
export async function latestSpeech(assetIds: readonly string[], page: (before: number | undefined) => Promise<JobJson[]>): Promise<Record<string, TimeRange[]>> {
  const found: Record<string, TimeRange[]> = {};
  let before: number | undefined;
  // Ten pages (2000 runs) is far past any project's history of speech detection; the cap keeps a request bounded.
  for (let i = 0; i < 10 && assetIds.some((id) => !found[id]); i++) {
    const jobs = await page(before);
    collectSpeech(found, jobs);
    if (jobs.length < SPEECH_PAGE) break;
    before = jobs.at(-1)!.createdAt;
  }
  return Object.fromEntries(assetIds.flatMap((id) => (found[id] ? [[id, found[id]]] : [])));
}
