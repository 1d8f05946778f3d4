import { spawn, type ChildProcess } from 'node:child_process';
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE } from '../../src/lib/live';

const BYTES_PER_FRAME = 4 * LIVE_CHANNELS;
/** More than this buffered means the source ran ahead (a burst after a network hiccup): the oldest audio is dropped. */
const MAX_BUFFERED_SECONDS = 3;

/**
 * A live source pulled from the RTMP ingest and decoded to the mixer's PCM as it arrives: no seeking, small probe,
 * low-latency flags. Unlike a planned item's Decoder it never pauses the source; it keeps at most a short buffer.
 */
export class LiveInput {
  private readonly proc: ChildProcess;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private stderr = '';
  private killed = false;
  readonly openedAt = Date.now();
  /** Wall-clock ms of the last audio received; 0 before the first. */
  lastDataAt = 0;
  ended = false;
  error: string | null = null;

  constructor(
    url: string,
    readonly streamName: string
  ) {
    this.proc = spawn(
      'ffmpeg',
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        '-fflags', 'nobuffer', '-flags', 'low_delay', '-probesize', '32768', '-analyzeduration', '1000000',
        '-rtmp_live', 'live',
        '-i', url,
        '-vn', '-ac', String(LIVE_CHANNELS), '-ar', String(LIVE_SAMPLE_RATE), '-f', 'f32le', 'pipe:1'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    this.proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-2000)));
    this.proc.stdout!.on('data', (d: Buffer) => {
      this.lastDataAt = Date.now();
      this.chunks.push(d);
      this.buffered += d.length;
      const max = MAX_BUFFERED_SECONDS * LIVE_SAMPLE_RATE * BYTES_PER_FRAME;
      while (this.buffered > max && this.chunks.length > 1) this.buffered -= this.chunks.shift()!.length;
    });
    this.proc.on('error', (e) => (this.error = e.message));
    this.proc.on('close', (code) => {
      this.ended = true;
      if (code && !this.killed) this.error = `ffmpeg exited with ${code}: ${this.stderr.trim()}`;
    });
  }

  get bufferedFrames(): number {
    return Math.floor(this.buffered / BYTES_PER_FRAME);
  }

  /** `frames` frames of interleaved stereo; silence for what has not arrived. */
  read(frames: number): Float32Array {
    const want = Math.min(frames, this.bufferedFrames) * BYTES_PER_FRAME;
    const out = new Uint8Array(frames * BYTES_PER_FRAME);
    let filled = 0;
    while (filled < want) {
      const c = this.chunks[0];
      const n = Math.min(c.length, want - filled);
      out.set(c.subarray(0, n), filled);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.buffered -= filled;
    return new Float32Array(out.buffer);
  }

  kill(): void {
    this.killed = true;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
