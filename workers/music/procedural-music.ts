/** The procedural generator on a worker: render in slices (the event loop stays free for a live channel), encode to FLAC with ffmpeg. */
import { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { MusicParams } from '../../src/lib/music/music-params';
import { renderProceduralAsync, toS16, type RenderedMusic } from '../../src/lib/music/procedural';
import { runFfmpeg } from '../media/run-ffmpeg';

export const MUSIC_OUT = { name: 'music.flac', mime: 'audio/flac' } as const;

export async function renderMusic(params: MusicParams, seconds: number, seed: number, onProgress?: (fraction: number) => void): Promise<RenderedMusic> {
  return renderProceduralAsync(params, seconds, seed, onProgress);
}

/** 16-bit stereo FLAC at the render's rate: lossless, so the broadcast copy is the only lossy generation. */
export async function encodeFlac(music: RenderedMusic, file: string, opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {}): Promise<void> {
  const pcm = toS16(music);
  const input = Readable.from([Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
  await runFfmpeg(
    ffmpeg(input)
      .inputOptions(['-hide_banner', '-f', 's16le', '-ar', String(music.sampleRate), '-ac', '2'])
      .outputOptions(['-c:a', 'flac', '-compression_level', '5', '-threads', '1'])
      .output(file),
    { signal: opts.signal, duration: music.left.length / music.sampleRate, onProgress: opts.onProgress }
  );
}
