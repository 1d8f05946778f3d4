/**
 * The HTTP adapter for a MusicGen / AudioCraft server. The contract (the shape of the common FastAPI wrappers
 * around audiocraft's MusicGen; documented in the README):
 *   POST {baseUrl}/generate  {"prompt", "duration" (seconds), "model"?, "seed"?}  (Authorization: Bearer <key> when set)
 *   → 200 with an audio body (audio/wav, audio/mpeg, audio/flac …), or JSON {"audio_url" | "url": "<http(s) URL of the audio>"}
 *   → 4xx/5xx with any body: the job fails with that status and the first 200 characters of the body.
 * The audio is converted to 48 kHz stereo FLAC here, whatever the server's rate (MusicGen's is 32 kHz).
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError } from '../worker-client';

export interface MusicServer {
  baseUrl: string;
  apiKey: string | null;
  model: string | null;
}

/** Generation can take many times the audio's length on a CPU-only server. */
const TIMEOUT_MS = Number(process.env.MUSIC_HTTP_TIMEOUT_SECONDS || 3600) * 1000;

export async function generateOverHttp(server: MusicServer, req: { prompt: string; seconds: number; seed: number }, workDir: string, out: string, signal?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'audio/*, application/json' };
  if (server.apiKey) headers.authorization = `Bearer ${server.apiKey}`;
  const res = await fetch(`${server.baseUrl.replace(/\/+$/, '')}/generate`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ prompt: req.prompt, duration: req.seconds, seed: req.seed, ...(server.model ? { model: server.model } : {}) }),
    signal: both
  });
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 200);
    const message = `the music server answered ${res.status}${text ? `: ${text}` : ''}`;
    // A refusal of the request itself will not change on retry; a server error might.
    throw res.status >= 400 && res.status < 500 && res.status !== 429 ? new PermanentJobError(message) : new Error(message);
  }
  const type = res.headers.get('content-type') ?? '';
  let body = res.body;
  if (type.includes('application/json')) {
    const json = (await res.json()) as { audio_url?: unknown; url?: unknown };
    const url = typeof json.audio_url === 'string' ? json.audio_url : typeof json.url === 'string' ? json.url : null;
    if (!url || !/^https?:\/\//.test(url)) throw new PermanentJobError('the music server answered JSON without an http(s) "audio_url" or "url"');
    const audio = await fetch(url, { signal: both });
    if (!audio.ok) throw new Error(`fetching the generated audio answered ${audio.status}`);
    body = audio.body;
  } else if (!type.startsWith('audio/') && !type.startsWith('application/octet-stream')) {
    throw new PermanentJobError(`the music server answered ${type || 'no content type'}, not audio or JSON`);
  }
  if (!body) throw new Error('the music server answered no audio');
  const raw = path.join(workDir, 'generated.audio');
  await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream), createWriteStream(raw));
  await runFfmpeg(ffmpeg(raw).inputOptions(['-hide_banner']).outputOptions(['-map', '0:a:0', '-ar', '48000', '-ac', '2', '-c:a', 'flac']).output(out), { signal });
}
