/**
 * Voicing: text + voice settings → a WAV file (48 kHz mono) and its duration. Built-in engines are Debian programs
 * run as separate processes (festival's text2wave, flite, espeak-ng); `openai` posts to an OpenAI-compatible
 * `/v1/audio/speech`. Rate and pitch are applied by ffmpeg's rubberband filter, the same for every engine.
 * No database and no web-process state: the web process (previews) and workers (DJ intros) both call it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import OpenAI from 'openai';
import { LIVE_SAMPLE_RATE } from '../../src/lib/live';
import { VOICE_MAX_CHARS, type VoiceSettings } from '../../src/lib/ai';
import { probeMedia } from '../media/probe';
import { runFfmpeg } from '../media/run-ffmpeg';

export interface VoicedAudio {
  file: string;
  durationSeconds: number;
}

/** A voicing that could not be made, in words a person can act on. */
export class VoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VoiceError';
  }
}

const ENGINE_TIMEOUT_MS = 120_000;
const MIN_SPEECH_SECONDS = 0.1;

/** Speaks `text` into `outFile` (WAV, 48 kHz mono, 16-bit). */
export async function voice(text: string, settings: VoiceSettings, outFile: string, signal?: AbortSignal): Promise<VoicedAudio> {
  // Control characters mean nothing spoken and some engines choke on them.
  const spoken = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trim();
  if (!spoken) throw new VoiceError('There is no text to speak.');
  if (spoken.length > VOICE_MAX_CHARS) throw new VoiceError(`Text to speak has at most ${VOICE_MAX_CHARS} characters.`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airstudio-voice-'));
  try {
    const raw = await synthesize(spoken, settings, dir, signal);
    try {
      await runFfmpeg(ffmpeg(raw).audioFilters(adjustments(settings)).audioChannels(1).audioFrequency(LIVE_SAMPLE_RATE).audioCodec('pcm_s16le').format('wav').output(outFile), { signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      // An engine that finds nothing it can pronounce (emoji, another script) writes an empty or broken file.
      throw new VoiceError(`${settings.engine} made no audio from this text: nothing in it is speakable with the voice "${settings.voice}".`);
    }
    const probe = await probeMedia(outFile);
    // A few milliseconds is the engine's empty answer, not speech.
    if (!probe.audio || !probe.duration || probe.duration < MIN_SPEECH_SECONDS) throw new VoiceError(`${settings.engine} made no audio from this text: nothing in it is speakable with the voice "${settings.voice}".`);
    return { file: outFile, durationSeconds: probe.duration };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** rubberband changes tempo without pitch and pitch without tempo; a no-op passes the audio through. */
function adjustments(s: VoiceSettings): string[] {
  if (s.rate === 1 && s.pitch === 0) return ['anull'];
  return [`rubberband=tempo=${s.rate}:pitch=${Math.pow(2, s.pitch / 12).toFixed(6)}`];
}

async function synthesize(text: string, s: VoiceSettings, dir: string, signal?: AbortSignal): Promise<string> {
  const out = path.join(dir, 'raw.wav');
  // The text goes through a file or stdin, never the command line: no quoting, no option injection.
  const textFile = path.join(dir, 'text.txt');
  await fs.writeFile(textFile, text);
  switch (s.engine) {
    case 'festival':
      await run('text2wave', ['-eval', `(voice_${safeVoice(s.voice)})`, '-o', out, textFile], signal);
      return out;
    case 'flite':
      await run('flite', ['-voice', safeVoice(s.voice), '-f', textFile, '-o', out], signal);
      return out;
    case 'espeak-ng':
      await run('espeak-ng', ['-v', safeVoice(s.voice), '-f', textFile, '-w', out], signal);
      return out;
    case 'openai':
      return speechService(text, s, dir, signal);
  }
}

/** Voice names reach festival's Scheme and the programs' arguments: letters, digits, `_` and `-` only. */
function safeVoice(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name)) throw new VoiceError(`"${name}" is not a voice name.`);
  return name;
}

async function speechService(text: string, s: VoiceSettings, dir: string, signal?: AbortSignal): Promise<string> {
  if (!s.baseUrl || !s.model) throw new VoiceError('The speech service needs a base URL and a model.');
  const client = new OpenAI({ baseURL: s.baseUrl, apiKey: s.apiKey || 'none', maxRetries: 1, timeout: ENGINE_TIMEOUT_MS });
  let audio: ArrayBuffer;
  try {
    const res = await client.audio.speech.create({ model: s.model, voice: s.voice, input: text, response_format: 'wav' }, { signal });
    audio = await res.arrayBuffer();
  } catch (e) {
    throw new VoiceError(`The speech service failed: ${(e as Error).message}`);
  }
  // Whatever container the service answered with, ffmpeg reads it by its content.
  const out = path.join(dir, 'service-audio');
  await fs.writeFile(out, Buffer.from(audio));
  return out;
}

function run(command: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], signal, timeout: ENGINE_TIMEOUT_MS });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new VoiceError(`${command} is not installed on this machine (scripts/setup.sh installs it).`) : e)
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new VoiceError(`${command} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`))));
  });
}
