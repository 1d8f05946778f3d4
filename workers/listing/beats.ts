/** Beats of a music file: ffmpeg decodes to mono 44.1 kHz float PCM, music-tempo (Beatroot) tracks the beat. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MusicTempo = require('music-tempo') as new (data: Float32Array | number[], params?: Record<string, number>) => { tempo: string | number; beats: number[] };

/** music-tempo's defaults (hop 441 samples = its 10 ms time step) assume this rate. */
const RATE = 44100;

export async function decodeMono(file: string, signal?: AbortSignal): Promise<Float32Array> {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', String(RATE), '-f', 'f32le', 'pipe:1'], { signal });
  const chunks: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffmpeg could not decode the music: ${err.trim().split('\n')[0] ?? `exit ${code}`}`);
  const buf = Buffer.concat(chunks);
  return new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
}

export interface BeatTrack {
  tempo: number;
  beats: number[];
  /** Seconds of music. */
  duration: number;
}

export async function detectBeats(file: string, signal?: AbortSignal): Promise<BeatTrack> {
  const pcm = await decodeMono(file, signal);
  const duration = pcm.length / RATE;
  try {
    const mt = new MusicTempo(pcm);
    return { tempo: Number(mt.tempo), beats: mt.beats.map((b) => Math.round(b * 1000) / 1000), duration };
  } catch {
    // music-tempo throws a string when it finds no tempo (e.g. a drone): cut evenly instead.
    return { tempo: 0, beats: [], duration };
  }
}
