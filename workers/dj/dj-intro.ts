/**
 * `dj.intro`: writes one DJ line (the project's language model when the server hands one out, else the tracery
 * grammar) and voices it with the persona's voice; the server stores the voice and marks the intro ready. With `text`
 * in the input (a person edited the line) it only voices.
 */
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import { TTS_ENGINES } from '../../src/lib/ai';
import { DJ_TEXT_MAX, type DjSource } from '../../src/lib/dj';
import { LIVE_SAMPLE_RATE } from '../../src/lib/live';
import { LlmClient, type LlmConfig } from '../../src/lib/server/ai/llm-client';
import { voice, VoiceError } from '../ai/voice';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError, type JobHandler } from '../worker-client';
import { templateLine, type LineContext } from './dj-grammar';

const item = z.object({ title: z.string().max(500), artist: z.string().max(500) });
export const djIntroInput = z.object({
  introId: z.string(),
  /** Set when a person wrote the line: voice it as it is. */
  text: z.string().max(DJ_TEXT_MAX).nullable(),
  source: z.enum(['llm', 'template']).nullable(),
  style: z.string().max(2000),
  context: z.object({
    kind: z.enum(['intro', 'station-id']),
    channel: z.string().max(200),
    dj: z.string().max(200),
    title: z.string().max(500),
    artist: z.string().max(500),
    uploader: z.string().max(200),
    description: z.string().max(2000),
    timeOfDay: z.enum(['morning', 'afternoon', 'evening', 'night']),
    previous: item.nullable(),
    next: item.nullable()
  }),
  voice: z.object({ engine: z.enum(TTS_ENGINES), voice: z.string().max(100), rate: z.number(), pitch: z.number(), baseUrl: z.string().optional(), model: z.string().optional() }),
  /** The channel's recent lines: a template line differs from them when it can. */
  avoid: z.array(z.string()).max(50)
});
export type DjIntroInput = z.infer<typeof djIntroInput>;

export interface DjIntroResult {
  text: string;
  source: DjSource;
  duration: number;
  file: { sha256: string; bytes: number };
}

const LLM_TIMEOUT_MS = 30_000;
const VOICE_LOUDNESS = 'loudnorm=I=-16:TP=-1.5:LRA=11';

/** The line as the language model writes it: a system prompt with the persona, the item's facts as JSON. */
export async function llmLine(config: LlmConfig, input: DjIntroInput, signal?: AbortSignal): Promise<string> {
  const c = input.context;
  const task =
    c.kind === 'station-id'
      ? `Say a short station ID for the top of the hour ("You're listening to ${c.channel}" or similar), then introduce the next item.`
      : 'Introduce the next item on air.';
  const system = [
    `You are ${c.dj || 'the DJ'}, the radio DJ of "${c.channel}".`,
    input.style ? `Your style: ${input.style}` : '',
    `${task} Write one spoken line of one to three sentences, at most 45 words, with no stage directions, emoji or quotes around it. Reply with the line only.`
  ]
    .filter(Boolean)
    .join('\n');
  const facts = { title: c.title, artist: c.artist, uploader: c.uploader, description: c.description, timeOfDay: c.timeOfDay, playedBefore: c.previous, comingAfter: c.next };
  const result = await new LlmClient(config, { timeoutMs: LLM_TIMEOUT_MS, maxRetries: 1 }).chat(
    [
      { role: 'system', content: system },
      { role: 'user', content: JSON.stringify(facts) }
    ],
    { signal }
  );
  const line = result.content.replace(/\s+/g, ' ').trim().replace(/^["“]|["”]$/g, '').trim();
  if (!line) throw new Error('the language model answered with no text');
  return line.length > DJ_TEXT_MAX ? `${line.slice(0, DJ_TEXT_MAX - 1).replace(/\s+\S*$/, '')}…` : line;
}

/** Writes the line: as given, from the language model, or (no model, or it failed) from the templates. */
export async function writeLine(input: DjIntroInput, llm: LlmConfig | null, log: (msg: string) => void, signal?: AbortSignal): Promise<{ text: string; source: DjSource }> {
  if (input.text) return { text: input.text, source: input.source ?? 'template' };
  if (llm) {
    try {
      return { text: await llmLine(llm, input, signal), source: 'llm' };
    } catch (e) {
      if (signal?.aborted) throw e;
      // The air does not wait for a model: a template line, labelled as one.
      log(`the language model failed (${(e as Error).message}); using a template line`);
    }
  }
  return { text: templateLine(input.context as LineContext, Math.random, input.avoid), source: 'template' };
}

/** Writes and voices one intro into `workDir`: the line, its source, and the WAV at the broadcast loudness. */
export async function makeIntro(
  input: DjIntroInput,
  llm: LlmConfig | null,
  workDir: string,
  opts: { ttsKey?: string; signal?: AbortSignal; progress?: (fraction: number, message: string) => void; log?: (msg: string) => void } = {}
): Promise<{ text: string; source: DjSource; file: string; duration: number }> {
  const { signal, progress = () => undefined, log = () => undefined } = opts;
  progress(0.1, input.text ? 'Voicing the edited line' : llm ? 'Writing the line with the language model' : 'Writing the line from templates');
  const line = await writeLine(input, llm, log, signal);
  progress(0.5, `Voicing with ${input.voice.engine}`);
  let voiced;
  try {
    voiced = await voice(line.text, { ...input.voice, apiKey: opts.ttsKey }, path.join(workDir, 'intro-raw.wav'), signal);
  } catch (e) {
    // A voice that cannot speak this text will not on a retry either.
    if (e instanceof VoiceError) throw new PermanentJobError(e.message);
    throw e;
  }
  // Speech at the loudness of the broadcast copies it is mixed over (engines differ by 10 dB and more).
  const file = path.join(workDir, 'intro.wav');
  await runFfmpeg(ffmpeg(voiced.file).audioFilters(VOICE_LOUDNESS).audioChannels(1).audioFrequency(LIVE_SAMPLE_RATE).audioCodec('pcm_s16le').format('wav').output(file), { signal });
  return { text: line.text, source: line.source, file, duration: voiced.durationSeconds };
}

export const djIntroJob: JobHandler = async (ctx) => {
  const parsed = djIntroInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`dj.intro takes { introId, text, source, style, context, voice, avoid }: ${parsed.error.message}`);
  const u = ctx.job.urls;
  // Handed out with each attempt, never in the job's input (which project members can read).
  const llm: LlmConfig | null = u.llmBaseUrl && u.llmModel ? { baseUrl: u.llmBaseUrl, model: u.llmModel, apiKey: u.llmKey ?? null } : null;
  const made = await makeIntro(parsed.data, llm, ctx.workDir, {
    ttsKey: u.ttsKey,
    signal: ctx.signal,
    progress: ctx.progress,
    log: (msg) => console.warn(JSON.stringify({ level: 'warn', msg, jobId: ctx.job.id }))
  });
  const stored = await ctx.upload('intro.wav', made.file, 'audio/wav');
  ctx.progress(1, 'Voiced');
  const result: DjIntroResult = { text: made.text, source: made.source, duration: made.duration, file: { sha256: stored.sha256, bytes: stored.bytes } };
  return result;
};
