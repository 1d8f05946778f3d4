/**
 * RNNoise (neural noise suppression): xiph's recurrent network, its model compiled into @echogarden/rnnoise-wasm.
 * The sound is decoded by ffmpeg to 48 kHz float frames of 480 samples, each channel through its own network state,
 * and encoded again to FLAC, streamed so an hour of sound never sits in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { PermanentJobError } from '../worker-client';

/** RNNoise's frame: 10 ms at 48 kHz, the only rate its model knows. */
const FRAME = 480;
const RATE = 48000;
/** RNNoise takes samples on the 16-bit scale, not ±1. */
const SCALE = 32768;

/** Runs `file`'s first audio stream through RNNoise into `out` (FLAC, 48 kHz, `channels` channels); answers the mean speech probability RNNoise reported. */
export async function suppressNoise(
  file: string,
  out: string,
  { channels, signal, duration, onProgress }: { channels: number; signal: AbortSignal; duration: number | null; onProgress: (fraction: number) => void }
): Promise<{ speechProbability: number }> {
  // The module is ESM with its wasm beside it; loaded on first use, as the worker starts many jobs that never need it.
  const { default: RNNoise } = await import('@echogarden/rnnoise-wasm');
  const m = await RNNoise();
  const states = Array.from({ length: channels }, () => m._rnnoise_create(0));
  const buffer = m._malloc(FRAME * 4);
  const decode = spawn('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', String(channels), '-ar', String(RATE), '-f', 'f32le', 'pipe:1'], { signal });
  const encode = spawn('ffmpeg', ['-v', 'error', '-y', '-f', 'f32le', '-ar', String(RATE), '-ac', String(channels), '-i', 'pipe:0', '-c:a', 'flac', out], { signal });
  const failures = [watch(decode, 'decoding'), watch(encode, 'encoding')];
  // Awaited below; handled here too, so a failure while the loop runs is not an unhandled rejection.
  for (const f of failures) f.catch(() => {});
  // An encoder that died shows as its own failure, not as a broken pipe.
  encode.stdin!.on('error', () => {});
  const block = FRAME * channels;
  let pending: Buffer = Buffer.alloc(0);
  let frames = 0;
  let speech = 0;
  try {
    for await (const chunk of decode.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const whole = Math.floor(pending.length / (block * 4));
      if (!whole) continue;
      // A copy: the chunk's byte offset need not be a multiple of 4.
      const samples = new Float32Array(pending.buffer.slice(pending.byteOffset, pending.byteOffset + whole * block * 4));
      pending = pending.subarray(whole * block * 4);
      for (let f = 0; f < whole; f++) {
        for (let c = 0; c < channels; c++) {
          const heap = m.HEAPF32.subarray(buffer / 4, buffer / 4 + FRAME);
          for (let i = 0; i < FRAME; i++) heap[i] = samples[(f * FRAME + i) * channels + c]! * SCALE;
          speech += m._rnnoise_process_frame(states[c]!, buffer, buffer);
          // HEAPF32 is replaced if the wasm memory grew during the call.
          const done = m.HEAPF32.subarray(buffer / 4, buffer / 4 + FRAME);
          for (let i = 0; i < FRAME; i++) samples[(f * FRAME + i) * channels + c] = done[i]! / SCALE;
        }
        frames++;
      }
      if (!encode.stdin!.write(Buffer.from(samples.buffer))) await Promise.race([once(encode.stdin!, 'drain'), failures[1]]);
      if (duration) onProgress(Math.min(1, (frames * FRAME) / RATE / duration));
    }
    // The last part-frame passes unprocessed: under 10 ms, at the very end.
    if (pending.length) encode.stdin!.write(pending);
    encode.stdin!.end();
    await Promise.all(failures);
    signal.throwIfAborted();
  } finally {
    decode.kill();
    for (const s of states) m._rnnoise_destroy(s);
    m._free(buffer);
  }
  return { speechProbability: frames ? speech / (frames * channels) : 0 };
}

/** Resolves when `child` exits cleanly; rejects with its stderr otherwise. */
function watch(child: ChildProcess, doing: string): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(code === null ? new Error(`ffmpeg ${doing} was stopped`) : new PermanentJobError(`ffmpeg failed ${doing} the sound for RNNoise: ${stderr.trim() || `exit ${code}`}`));
    });
  });
}
