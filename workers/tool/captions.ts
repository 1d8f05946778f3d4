/**
 * `tool.captions`: speech → cues → captions.vtt and captions.srt, kept with the asset. Built-in: ffmpeg's asr filter
 * (pocketsphinx) with silencedetect in the same chain, whose silence edges time each recognised utterance; openai:
 * the sound as a small MP3 posted to an OpenAI-compatible /v1/audio/transcriptions, timed by its segments.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { devNull } from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import OpenAI from 'openai';
import { alignToSpeech, CAPTION_VARIANTS, cuesFromUtterances, toSrt, toWebVtt, type Utterance } from '../../src/lib/captions';
import { TOOL_OPTIONS } from '../../src/lib/tool';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError } from '../worker-client';
import { detectSpeech } from './speech';
import { pass, toolJob, type ToolOutput, type ToolRun } from './tool-job';

/** Debian's pocketsphinx-en-us; the asr filter's default acoustic model. */
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';
/** asr emits an utterance only once silence follows it: without padding the last one is lost. */
const TRAILING_PAD_SECONDS = 3;
const TRANSCRIPTION_TIMEOUT_MS = 10 * 60_000;

export async function recogniseBuiltin(run: ToolRun<'captions'>): Promise<Utterance[]> {
  try {
    await fs.access(POCKETSPHINX_MODEL);
  } catch {
    throw new PermanentJobError('Built-in speech recognition needs the English pocketsphinx model: apt-get install pocketsphinx-en-us on the worker.');
  }
  const metadata = path.join(run.workDir, 'asr.txt');
  if (metadata.includes("'")) throw new PermanentJobError('The worker’s scratch folder has a quote in its path.');
  const chain = [
    'aresample=16000',
    'aformat=sample_fmts=s16:channel_layouts=mono',
    `apad=pad_dur=${TRAILING_PAD_SECONDS}`,
    'silencedetect=noise=-40dB:duration=0.25',
    'asr',
    `ametadata=mode=print:file='${metadata}'`
  ].join(',');
  const command = ffmpeg(run.file).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0', '-af', chain]).noVideo().format('null').output(devNull);
  await runFfmpeg(command, pass(run, 0, 0.9, 'Recognising speech (built-in)'));
  return parseAsrMetadata(await fs.readFile(metadata, 'utf8'), run.source.duration);
}

/**
 * ametadata's print-out ("frame:… pts_time:T" then key=value lines) as utterances. asr names an utterance once it has
 * ended, at time T; silencedetect's edges time it: it starts where speech resumed after the previous one (or at once, if
 * no silence followed that) and ends where the last silence before T began (or at T, when none did).
 */
export function parseAsrMetadata(text: string, duration: number | null): Utterance[] {
  const out: Utterance[] = [];
  const silences: { start: number; end: number | null }[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    const frame = /pts_time:([\d.]+)/.exec(line);
    if (frame) at = Number(frame[1]);
    const eq = line.indexOf('=');
    const key = line.slice(0, Math.max(0, eq));
    const value = line.slice(eq + 1);
    if (key === 'lavfi.silence_start') silences.push({ start: Number(value), end: null });
    else if (key === 'lavfi.silence_end' && silences.length) silences[silences.length - 1]!.end = Number(value);
    else if (key === 'lavfi.asr.text' && value.trim()) {
      const previous = out.at(-1)?.end ?? 0;
      const within = silences.find((x) => x.start <= previous && x.end !== null && x.end > previous);
      const start = within?.end ?? previous;
      const last = silences.findLast((x) => x.start > start && x.start <= at);
      const end = Math.min(last?.start ?? at, duration ?? Infinity);
      if (end > start) out.push({ start, end, text: value.trim() });
    }
  }
  return out;
}

async function transcribeOpenAi(run: ToolRun<'captions'>): Promise<Utterance[]> {
  const baseURL = run.urls.transcriptionBaseUrl;
  if (!baseURL) throw new PermanentJobError('The server handed out no transcription service for this openai captions job.');
  // Mono 16 kHz MP3: what speech recognisers hear anyway, and an hour fits the usual 25 MB upload limit.
  const audio = path.join(run.workDir, 'speech.mp3');
  const extract = ffmpeg(run.file).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0']).noVideo().audioChannels(1).audioFrequency(16000).audioCodec('libmp3lame').audioBitrate('48k').format('mp3').output(audio);
  await runFfmpeg(extract, pass(run, 0, 0.2, 'Extracting the sound'));
  run.progress(0.2, 'Transcribing (OpenAI-compatible service)');
  const client = new OpenAI({ baseURL, apiKey: run.urls.transcriptionKey ?? 'none', timeout: TRANSCRIPTION_TIMEOUT_MS, maxRetries: 1 });
  try {
    const t = await client.audio.transcriptions.create(
      { file: createReadStream(audio), model: run.options.model ?? 'whisper-1', response_format: 'verbose_json', timestamp_granularities: ['segment'] },
      { signal: run.signal }
    );
    if (t.segments?.length) return t.segments.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() }));
    // A server that answers without segments still timed the whole: one utterance over the sound.
    return t.text.trim() ? [{ start: 0, end: t.duration ?? run.source.duration ?? 0, text: t.text.trim() }] : [];
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status && e.status < 500 && e.status !== 429) {
      throw new PermanentJobError(`The transcription service refused: HTTP ${e.status} ${e.message}`);
    }
    throw e;
  }
}

export async function makeCaptions(run: ToolRun<'captions'>): Promise<ToolOutput> {
  let utterances = run.options.engine === 'openai' ? await transcribeOpenAi(run) : await recogniseBuiltin(run);
  if (run.options.alignToSpeech && utterances.length) {
    // Speech detection with its default options, on the same file: its segment edges time the cues.
    const heard = await detectSpeech({ ...run, options: TOOL_OPTIONS.speech.parse({}), progress: (f, message) => run.progress(0.9 + 0.1 * f, message) });
    utterances = alignToSpeech(utterances, heard.findings.speech ?? []).utterances;
  }
  const cues = cuesFromUtterances(utterances);
  // Nothing recognised: no empty files, and captions from an earlier run stay.
  if (!cues.length) return { findings: { cues } };
  const vtt = path.join(run.workDir, CAPTION_VARIANTS.vtt.name);
  const srt = path.join(run.workDir, CAPTION_VARIANTS.srt.name);
  await fs.writeFile(vtt, toWebVtt(cues));
  await fs.writeFile(srt, toSrt(cues));
  return {
    findings: { cues },
    variants: [
      { file: vtt, ...CAPTION_VARIANTS.vtt },
      { file: srt, ...CAPTION_VARIANTS.srt }
    ]
  };
}

export const toolCaptionsJob = toolJob('captions', makeCaptions);
