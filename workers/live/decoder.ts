import { spawn, type ChildProcess } from 'node:child_process';
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE } from '../../src/lib/live';

const BYTES_PER_FRAME = 4 * LIVE_CHANNELS;
/** Decoded audio held ahead of the mixer; more pauses ffmpeg (backpressure), so a long track is not held whole. */
const MAX_BUFFERED_SECONDS = 20;

/**
 * One planned item's audio: ffmpeg decodes its broadcast copy from `seconds` in, to 48 kHz stereo float PCM, ahead of
 * need. The mixer takes frames in order; frames not decoded in time (or past the file's end) come back as silence and
 * are counted, so an underrun is visible rather than a stall.
 */
export class Decoder {
  private readonly proc: ChildProcess;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private paused = false;
  /** Bytes still to drop as they are decoded (see skip). */
  private skipping = 0;
  /** Frames the mixer asked for that were not there. */
  missing = 0;
  error: string | null = null;

  constructor(url: string, seconds: number, headers: Record<string, string>) {
    const headerArg = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.proc = spawn(
      'ffmpeg',
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        ...(headerArg ? ['-headers', headerArg] : []),
        // A network blip mid-track resumes the download (with a Range request) instead of ending the item in silence.
        '-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '5',
        // No seek from the top: ffmpeg seeks even to 0, and over HTTP from a server that ignores Range that seek lost
        // the last seconds of a WAV (a 6.7 s DJ voice decoded to 3.9 s, cut off on air).
        ...(seconds > 0 ? ['-ss', seconds.toFixed(3)] : []),
        '-i', url,
        '-vn', '-ac', String(LIVE_CHANNELS), '-ar', String(LIVE_SAMPLE_RATE), '-f', 'f32le', 'pipe:1'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stderr = '';
    this.proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    this.proc.stdout!.on('data', (data: Buffer) => {
      const drop = Math.min(this.skipping, data.length);
      this.skipping -= drop;
      const d = data.subarray(drop);
      if (d.length === 0) return;
      this.chunks.push(d);
      this.buffered += d.length;
      if (this.buffered > MAX_BUFFERED_SECONDS * LIVE_SAMPLE_RATE * BYTES_PER_FRAME && !this.paused) {
        this.paused = true;
        this.proc.stdout!.pause();
      }
    });
    this.proc.on('error', (e) => (this.error = e.message));
    this.proc.on('close', (code) => {
      this.ended = true;
      if (code && !this.killed) this.error = `ffmpeg exited with ${code}: ${stderr.trim()}`;
    });
  }

  private killed = false;

  /** `frames` frames of interleaved stereo; silence where the decoder has nothing (yet, or any more). */
  read(frames: number): Float32Array {
    const want = frames * BYTES_PER_FRAME;
    const out = Buffer.alloc(want);
    let filled = 0;
    while (filled < want && this.chunks.length) {
      const c = this.chunks[0];
      const n = Math.min(c.length, want - filled);
      c.copy(out, filled, 0, n);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.buffered -= filled;
    // Whole frames only: a partial frame would shift every later sample into the wrong channel.
    const whole = filled - (filled % BYTES_PER_FRAME);
    if (whole < filled) {
      this.chunks.unshift(out.subarray(whole, filled));
      this.buffered += filled - whole;
    }
    this.missing += (want - whole) / BYTES_PER_FRAME;
    if (this.paused && this.buffered < (MAX_BUFFERED_SECONDS / 2) * LIVE_SAMPLE_RATE * BYTES_PER_FRAME) {
      this.paused = false;
      this.proc.stdout!.resume();
    }
    const copy = new Uint8Array(want);
    copy.set(out.subarray(0, whole));
    return new Float32Array(copy.buffer);
  }

  /** Drops the next `frames` frames, decoded yet or not: the stream starts later than this decoder's seek. */
  skip(frames: number): void {
    let bytes = Math.max(0, Math.round(frames)) * BYTES_PER_FRAME;
    while (bytes > 0 && this.chunks.length) {
      const c = this.chunks[0];
      const n = Math.min(c.length, bytes);
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
      this.buffered -= n;
      bytes -= n;
    }
    this.skipping += bytes;
  }

  /** Seconds of audio decoded and not yet taken. */
  get bufferedSeconds(): number {
    return this.buffered / BYTES_PER_FRAME / LIVE_SAMPLE_RATE;
  }

  get done(): boolean {
    return this.ended && this.chunks.length === 0;
  }

  kill(): void {
    this.killed = true;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
