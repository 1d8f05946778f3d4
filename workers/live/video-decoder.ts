import { spawn, type ChildProcess } from 'node:child_process';
import { LIVE_VIDEO_FPS, LIVE_VIDEO_HEIGHT, LIVE_VIDEO_WIDTH } from '../../src/lib/live';

/** One yuv420p frame of the channel's picture. */
export const VIDEO_FRAME_BYTES = (LIVE_VIDEO_WIDTH * LIVE_VIDEO_HEIGHT * 3) / 2;
/** Frames held ahead of the picture (~35 MB); more pauses ffmpeg, so a long video is not held whole. */
const MAX_BUFFERED_FRAMES = 25;

/**
 * One planned video item's picture: ffmpeg decodes its 720p proxy from `seconds` in, fitted (letterboxed) into
 * 1280x720 at 25 fps, as raw yuv420p. Frames are taken by index from the seek point; a decoder that is behind gives the
 * last frame it had (the picture freezes, the sound never waits for it).
 */
export class VideoDecoder {
  private readonly proc: ChildProcess;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly frames: Buffer[] = [];
  private paused = false;
  private killed = false;
  /** Frames taken so far; `current` is frame taken - 1. */
  private taken = 0;
  private current: Buffer | null = null;
  /** Times the picture asked for a frame that was not decoded yet. */
  late = 0;
  error: string | null = null;

  constructor(url: string, seconds: number) {
    const fit = `scale=${LIVE_VIDEO_WIDTH}:${LIVE_VIDEO_HEIGHT}:force_original_aspect_ratio=decrease,pad=${LIVE_VIDEO_WIDTH}:${LIVE_VIDEO_HEIGHT}:(ow-iw)/2:(oh-ih)/2,fps=${LIVE_VIDEO_FPS},format=yuv420p`;
    this.proc = spawn(
      'ffmpeg',
      [
        '-nostdin', '-hide_banner', '-loglevel', 'error',
        '-reconnect', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '5',
        '-ss', seconds.toFixed(3), '-i', url,
        '-an', '-vf', fit, '-f', 'rawvideo', 'pipe:1'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stderr = '';
    this.proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    this.proc.stdout!.on('data', (d: Buffer) => this.take(d));
    this.proc.on('error', (e) => (this.error = e.message));
    this.proc.on('close', (code) => {
      if (code && !this.killed) this.error = `ffmpeg exited with ${code}: ${stderr.trim()}`;
    });
  }

  private take(d: Buffer): void {
    this.pending.push(d);
    this.pendingBytes += d.length;
    if (this.pendingBytes < VIDEO_FRAME_BYTES) return;
    let all = Buffer.concat(this.pending);
    while (all.length >= VIDEO_FRAME_BYTES) {
      this.frames.push(all.subarray(0, VIDEO_FRAME_BYTES));
      all = all.subarray(VIDEO_FRAME_BYTES);
    }
    this.pending = all.length ? [all] : [];
    this.pendingBytes = all.length;
    if (this.frames.length >= MAX_BUFFERED_FRAMES && !this.paused) {
      this.paused = true;
      this.proc.stdout!.pause();
    }
  }

  /** Frame `index` from the seek point; the last one it had when that one is not decoded yet; null before any. */
  frame(index: number): Buffer | null {
    while (this.taken <= index && this.frames.length) {
      this.current = this.frames.shift()!;
      this.taken++;
    }
    if (this.taken <= index) this.late++;
    if (this.paused && this.frames.length < MAX_BUFFERED_FRAMES / 2) {
      this.paused = false;
      this.proc.stdout!.resume();
    }
    return this.current;
  }

  kill(): void {
    this.killed = true;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
