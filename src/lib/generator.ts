/**
 * A channel's generator as the API, the dashboard and the server know it: prompts that rotate by content time, a
 * buffer of generated chunks measured in hours ahead of air, its health state, and how hard the generator works
 * for each state. Pure: no DOM, no I/O.
 */
import { z } from 'zod';

export const MUSIC_GENERATE = 'music.generate';

export const BUFFER_STATES = ['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY', 'DEPLETED'] as const;
export type BufferState = (typeof BUFFER_STATES)[number];

/** Lower bounds in hours: above `healthy` is HEALTHY, from `warning` WARNING, … below `emergency` DEPLETED. */
export interface BufferThresholds {
  healthy: number;
  warning: number;
  critical: number;
  emergency: number;
}

export const DEFAULT_THRESHOLDS: BufferThresholds = { healthy: 24, warning: 12, critical: 6, emergency: 2 };

/** Ten lofi styles (half of them Indian, after seed 001) in the words the procedural generator reads. */
export const DEFAULT_PROMPTS: readonly string[] = [
  'lofi chill, 78 bpm, A minor, rhodes, bass, drums, vinyl',
  'indian lofi, raga yaman, sitar, tabla, 72 bpm, vinyl',
  'rainy night lofi, 70 bpm, D minor, piano, pad, vinyl',
  'sunny morning lofi, 88 bpm, F major, rhodes, guitar',
  'indian lofi, raga bhairavi, bansuri flute, tabla, 68 bpm',
  'jazzy lofi, 84 bpm, E flat dorian, rhodes, swing, vinyl',
  'study lofi, 75 bpm, C major, piano, bass, drums, clean',
  'indian lofi, raga kafi, sitar, pad, drums, 80 bpm',
  'sleepy lofi, 62 bpm, G minor, pad, piano, no drums, vinyl',
  'indian lofi, raga khamaj, santoor, tabla, 90 bpm, dusty'
];

export const MAX_PROMPTS = 50;
export const MAX_GENERATOR_PROMPT = 500;
/** Aired chunks kept (in the playlist and the library) after they played; older ones are deleted. */
export const KEEP_AIRED_CHUNKS = 10;

const hours = (name: string) => z.number({ error: `${name} must be a number of hours` }).min(0, `${name} is 0 hours or more`).max(24 * 14, `${name} is at most two weeks`);

export const thresholdsSchema = z
  .object({ healthy: hours('healthy'), warning: hours('warning'), critical: hours('critical'), emergency: hours('emergency') })
  .strict()
  .refine((t) => t.healthy > t.warning && t.warning > t.critical && t.critical > t.emergency, { message: 'Thresholds must fall: healthy > warning > critical > emergency.' });

export const generatorConfigSchema = z
  .object({
    enabled: z.boolean({ error: 'enabled must be true or false' }),
    prompts: z
      .array(z.string({ error: 'each prompt is text' }).trim().min(1, 'An empty prompt is no prompt: remove it instead.').max(MAX_GENERATOR_PROMPT, `A prompt has at most ${MAX_GENERATOR_PROMPT} characters.`), { error: 'prompts is a list of text' })
      .min(1, 'The generator needs at least one prompt.')
      .max(MAX_PROMPTS, `At most ${MAX_PROMPTS} prompts.`),
    /** Seconds of content of one prompt before the next takes over. */
    rotateSeconds: z.number({ error: 'rotateSeconds must be a number' }).int('rotateSeconds is whole seconds').min(60, 'A prompt plays at least 60 seconds.').max(7 * 86400, 'A prompt plays at most a week.'),
    /** Seconds per generated file. */
    chunkSeconds: z.number({ error: 'chunkSeconds must be a number' }).int('chunkSeconds is whole seconds').min(10, 'A chunk is at least 10 seconds.').max(1800, 'A chunk is at most 30 minutes.'),
    thresholds: thresholdsSchema,
    /** Jobs in flight when the buffer is CRITICAL or worse. */
    parallel: z.number({ error: 'parallel must be a number' }).int().min(1, 'parallel is 1 to 8').max(8, 'parallel is 1 to 8')
  })
  .strict();
export type GeneratorConfig = z.infer<typeof generatorConfigSchema>;
export const generatorPatchSchema = generatorConfigSchema.partial();

export const DEFAULT_GENERATOR_CONFIG: GeneratorConfig = { enabled: false, prompts: [...DEFAULT_PROMPTS], rotateSeconds: 3600, chunkSeconds: 180, thresholds: DEFAULT_THRESHOLDS, parallel: 2 };

/** The buffer's state for `hoursAhead` of generated audio not yet aired. */
export function bufferState(hoursAhead: number, t: BufferThresholds = DEFAULT_THRESHOLDS): BufferState {
  if (hoursAhead > t.healthy) return 'HEALTHY';
  if (hoursAhead >= t.warning) return 'WARNING';
  if (hoursAhead >= t.critical) return 'CRITICAL';
  if (hoursAhead >= t.emergency) return 'EMERGENCY';
  return 'DEPLETED';
}

/** How many more chunk jobs to start now: none when healthy, one at a time on warning, `parallel` when lower. */
export function chunksToStart(state: BufferState, inFlight: number, parallel: number): number {
  const target = state === 'HEALTHY' ? 0 : state === 'WARNING' ? 1 : parallel;
  return Math.max(0, target - inFlight);
}

export interface ChunkPlace {
  promptIndex: number;
  duration: number;
}

/**
 * The prompt and length of the chunk after `chunks` (all made or in flight, in order): the prompt on air continues
 * until it has `rotateSeconds` of content, then the next in the list; a chunk is cut short so the change falls on
 * the rotation exactly.
 */
export function nextChunk(chunks: readonly ChunkPlace[], config: Pick<GeneratorConfig, 'prompts' | 'rotateSeconds' | 'chunkSeconds'>): ChunkPlace {
  const n = config.prompts.length;
  if (chunks.length === 0) return { promptIndex: 0, duration: Math.min(config.chunkSeconds, config.rotateSeconds) };
  const last = chunks[chunks.length - 1].promptIndex;
  let run = 0;
  for (let i = chunks.length - 1; i >= 0 && chunks[i].promptIndex === last; i--) run += chunks[i].duration;
  // A prompt removed since keeps its place in the cycle: the next one is what now follows its position.
  const index = last >= n ? last % n : last;
  if (run >= config.rotateSeconds - 0.5) return { promptIndex: (index + 1) % n, duration: Math.min(config.chunkSeconds, config.rotateSeconds) };
  return { promptIndex: index, duration: Math.min(config.chunkSeconds, Math.round(config.rotateSeconds - run)) };
}

/** Chunks per prompt for a full rotation (the seed's CHUNKS_PER_PROMPT). */
export const chunksPerPrompt = (c: Pick<GeneratorConfig, 'rotateSeconds' | 'chunkSeconds'>) => Math.ceil(c.rotateSeconds / c.chunkSeconds);

/** Generation speed as × real time over recent chunks: content seconds over wall seconds, or null with none measured. */
export function generationSpeed(chunks: readonly { duration: number; generationSeconds: number | null }[]): number | null {
  let content = 0;
  let wall = 0;
  for (const c of chunks) {
    if (c.generationSeconds === null || !(c.generationSeconds > 0)) continue;
    content += c.duration;
    wall += c.generationSeconds;
  }
  return wall > 0 ? content / wall : null;
}

export const MUSIC_ENGINES = ['procedural', 'http'] as const;
export type MusicEngine = (typeof MUSIC_ENGINES)[number];
export const MUSIC_ENGINE_LABELS: Record<MusicEngine, string> = { procedural: 'Procedural generator (built in)', http: 'MusicGen / AudioCraft server (HTTP)' };

export type ChunkState = 'generating' | 'ready' | 'aired' | 'failed';

/** A channel's generated music buffer as the dashboard's alert strip reads it (pushed as `channel:generator`). */
export interface GeneratorBufferView {
  enabled: boolean;
  state: BufferState;
  hoursBuffered: number;
  /** The DEPLETED threshold: under this many hours ahead. */
  depletedBelowHours: number;
}

export const bufferOfStatus = (s: GeneratorStatusJson): GeneratorBufferView => ({ enabled: s.config.enabled, state: s.state, hoursBuffered: s.hoursBuffered, depletedBelowHours: s.config.thresholds.emergency });

export interface GeneratorStatusJson {
  channelId: string;
  config: GeneratorConfig;
  engine: MusicEngine;
  /** The channel's generated playlist (in the project document), null until the generator first runs. */
  playlistId: string | null;
  /** The playlist is in the default rotation or a show: without that, nothing generated goes on air. */
  inRotation: boolean;
  hoursBuffered: number;
  state: BufferState;
  /** × real time over the last chunks made, null before any. */
  speed: number | null;
  prompts: { index: number; prompt: string; ready: number; aired: number; generating: number }[];
  generating: { chunkId: string; promptIndex: number; prompt: string; duration: number; progress: number; message: string | null }[];
  /** The last generation failure, for the operator. */
  lastError: string | null;
  chunksPerPrompt: number;
}
