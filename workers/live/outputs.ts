/**
 * Outputs of the mixed stream. The mixer writes each block of PCM once to the fan-out; every output is its own
 * encoder process fed that PCM on stdin, restarted with backoff when it dies, and dropping (not queueing without end)
 * what it cannot take — so a failing Icecast or RTMP encoder later never stalls the mixer or the other outputs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import fs from 'node:fs/promises';
import path from 'node:path';
import { probeMedia } from '../media/probe';
import { SegmentClock } from './hls-timing';
import { LIVE_CHANNELS, type LiveOutputHealth, LIVE_HLS_LIST_SIZE, LIVE_HLS_SEGMENT_SECONDS, LIVE_PLAYLIST, LIVE_SAMPLE_RATE, LIVE_SEGMENT_NAME, LIVE_VIDEO_FPS, LIVE_VIDEO_HEIGHT, LIVE_VIDEO_WIDTH } from '../../src/lib/live';

export interface PcmOutput {
  readonly name: string;
  start(): void;
  /** Interleaved float stereo at LIVE_SAMPLE_RATE whose first frame sounds at wall-clock `atMs`; never blocks. */
  write(pcm: Buffer, atMs: number): void;
  /** One 1280x720 yuv420p frame of a video channel's picture, 25 a second in step with the PCM; never blocks. */
  writeVideo?(frame: Buffer): void;
  stop(): Promise<void>;
}

export type OutputLog = (level: 'info' | 'warn' | 'error', msg: string, extra?: object) => void;

/** Feeds every output the same PCM; one failing output does not touch the others. */
export class PcmFanout {
  constructor(readonly outputs: PcmOutput[]) {}

  start(): void {
    for (const o of this.outputs) o.start();
  }

  write(pcm: Buffer, atMs: number): void {
    for (const o of this.outputs) o.write(pcm, atMs);
  }

  writeVideo(frame: Buffer): void {
    for (const o of this.outputs) o.writeVideo?.(frame);
  }

  /** Each encoder output's state, for the live health. */
  health(): OutputHealth[] {
    return this.outputs.flatMap((o) => (o instanceof EncoderOutput ? [o.health()] : []));
  }

  async stop(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.stop()));
  }
}

/** More than this many bytes waiting on an encoder's stdin (~5 s): it is stuck, and blocks are dropped for it. */
const MAX_PENDING_BYTES = 5 * LIVE_SAMPLE_RATE * LIVE_CHANNELS * 4;

/**
 * More than this many video bytes waiting on fd 3 (4 s of frames, ~140 MB): the encoder is stuck. Below it nothing is
 * dropped, so a slow (re)start on a busy box only delays the picture with its sound; it stays under the PCM's 5 s so
 * the sound is never dropped ahead of the picture.
 */
const MAX_PENDING_VIDEO_BYTES = 4 * LIVE_VIDEO_FPS * ((LIVE_VIDEO_WIDTH * LIVE_VIDEO_HEIGHT * 3) / 2);

/**
 * A video channel's picture as x264 makes it: 720p25 (the frames as given), a keyframe every 2 s so each 2 s HLS
 * segment starts with one, ~2.5 Mbit/s capped for constant-rate destinations; zerolatency adds no frame delay.
 */
export const VIDEO_ENCODER_ARGS = [
  '-map', '0:a', '-map', '1:v',
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
  '-g', String(LIVE_VIDEO_FPS * LIVE_HLS_SEGMENT_SECONDS), '-keyint_min', String(LIVE_VIDEO_FPS * LIVE_HLS_SEGMENT_SECONDS), '-sc_threshold', '0',
  '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k'
];

/** An encoder that reports no progress for this long while fed PCM is stalled: killed and restarted. */
const STALL_MS = Math.max(2, Number(process.env.LIVE_OUTPUT_STALL_SECONDS) || 15) * 1000;

/** What the live health shows of one output (no secrets: names and errors only). */
export type OutputHealth = LiveOutputHealth;
export type OutputState = LiveOutputHealth['state'];

/** An encoder ffmpeg reading PCM on stdin, restarted with exponential backoff (1 s … 30 s) when it exits or stalls. */
export abstract class EncoderOutput implements PcmOutput {
  private proc: ChildProcess | null = null;
  private stopping = false;
  private crashes = 0;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private lastProgressAt = 0;
  private lastFedAt = 0;
  private lastOutTime = -1;
  private stalledNow = false;
  /** Wall-clock ms at which the current encoder run's first frame sounds (moved on by blocks it had to drop). */
  protected firstFrameMs: number | null = null;
  private stallWhy = '';
  dropped = 0;
  restarts = 0;
  stalls = 0;
  state: OutputState = 'starting';
  nextAttemptAt: number | null = null;
  lastError: string | null = null;

  /** Video frames dropped because the encoder could not take them (it is then restarted, to stay in sync). */
  droppedFrames = 0;

  constructor(
    readonly name: string,
    protected readonly log: OutputLog,
    readonly kind: string = name,
    /** It takes the picture too: raw frames on fd 3 as ffmpeg's second input (VIDEO_ENCODER_ARGS map it). */
    protected readonly video = false
  ) {}

  /** ffmpeg arguments after the PCM input (may add inputs of their own first). */
  protected abstract encoderArgs(): string[];

  /** Its state for the live health; names and errors carry no secrets (see redact). */
  health(): OutputHealth {
    return { name: this.name, kind: this.kind, state: this.state, nextAttemptAt: this.nextAttemptAt, lastError: this.lastError, restarts: this.restarts, stalls: this.stalls };
  }

  start(): void {
    this.timer = null;
    if (this.stopping) return;
    this.startedAt = Date.now();
    this.lastProgressAt = Date.now();
    this.lastOutTime = -1;
    this.stalledNow = false;
    this.firstFrameMs = null;
    this.state = 'starting';
    this.nextAttemptAt = null;
    const args = [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-progress', 'pipe:1', '-stats_period', '1',
      // Raw PCM of a known format needs no probing; ffmpeg's default probe holds ~1 s of it before the first output
      // (measured), which delayed a (re)started stream and set its program date time that much late.
      '-probesize', '32', '-analyzeduration', '0',
      '-f', 'f32le', '-ar', String(LIVE_SAMPLE_RATE), '-ac', String(LIVE_CHANNELS), '-i', 'pipe:0',
      ...(this.video
        ? ['-probesize', '32', '-analyzeduration', '0', '-thread_queue_size', '64', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${LIVE_VIDEO_WIDTH}x${LIVE_VIDEO_HEIGHT}`, '-r', String(LIVE_VIDEO_FPS), '-i', 'pipe:3']
        : []),
      ...this.encoderArgs()
    ];
    const proc = spawn('ffmpeg', args, { stdio: this.video ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    const videoIn = this.video ? (proc.stdio[3] as Writable) : null;
    videoIn?.on('error', () => {}); // EPIPE when it dies, as stdin.
    this.proc = proc;
    let stderr = '';
    let progress = '';
    proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    proc.stdout!.on('data', (d) => {
      progress = (progress + d).slice(-4000);
      // Each -progress block ends with "progress=continue": output is moving when its out_time grows (total_size is
      // N/A for muxers that write files of their own, like hls and segment).
      let end: number;
      while ((end = progress.indexOf('progress=')) >= 0 && progress.indexOf('\n', end) >= 0) {
        const block = progress.slice(0, progress.indexOf('\n', end) + 1);
        progress = progress.slice(block.length);
        const outTime = Number(/out_time_us=(\d+)/.exec(block)?.[1] ?? -1);
        if (outTime > this.lastOutTime) {
          this.lastOutTime = outTime;
          this.lastProgressAt = Date.now();
          if (outTime > 0 && this.state !== 'connected') {
            this.state = 'connected';
            if (this.restarts > 0) this.log('info', `${this.name} output connected again after ${this.restarts} restart(s)`);
          }
        }
      }
    });
    proc.stdin!.on('error', () => {}); // EPIPE when it dies: the exit handler restarts it.
    proc.on('error', (e) => this.log('error', `${this.name} encoder could not start: ${e.message}`));
    proc.on('close', (code, signal) => {
      if (this.proc === proc) this.proc = null;
      if (this.stopping) {
        this.state = 'stopped';
        return;
      }
      // A run of a minute or more was healthy: the backoff starts over.
      this.crashes = Date.now() - this.startedAt > 60_000 ? 1 : this.crashes + 1;
      const delay = Math.min(30_000, 1000 * 2 ** (this.crashes - 1));
      this.restarts++;
      const why = this.stalledNow ? this.stallWhy : lastLine(stderr) || `exited (${code ?? signal})`;
      this.lastError = this.redact(why);
      this.state = 'retrying';
      this.nextAttemptAt = Date.now() + delay;
      this.log('warn', `${this.name} output failed (${this.lastError}); retrying in ${delay} ms`, { stderr: this.redact(stderr.trim().slice(-500)) });
      this.timer = setTimeout(() => this.start(), delay);
    });
    this.watchdog ??= setInterval(() => this.checkStall(), 1000);
  }

  /** Kills an encoder that is fed but makes no output: a hung connection never comes back by itself. */
  private checkStall(): void {
    const proc = this.proc;
    if (!proc || this.stalledNow || Date.now() - this.lastFedAt > 2000) return;
    if (Date.now() - this.lastProgressAt < STALL_MS) return;
    this.stalledNow = true;
    this.stallWhy = `stalled: no progress for ${STALL_MS / 1000} s`;
    this.stalls++;
    this.log('error', `${this.name} encoder stalled: no progress for ${STALL_MS / 1000} s while fed; restarting it`);
    proc.kill('SIGKILL');
  }

  /** Removes secrets from text that goes to logs and health (stream keys, passwords in URLs). */
  protected redact(text: string): string {
    return text;
  }

  write(pcm: Buffer, atMs: number): void {
    this.lastFedAt = Date.now();
    const stdin = this.proc?.stdin;
    if (!stdin || stdin.destroyed || stdin.writableLength > MAX_PENDING_BYTES) {
      this.dropped += pcm.length;
      // What the encoder has not heard does not move its timeline: what it hears next sounds that much later.
      if (this.firstFrameMs !== null) this.firstFrameMs += (pcm.length / (4 * LIVE_CHANNELS * LIVE_SAMPLE_RATE)) * 1000;
      return;
    }
    this.firstFrameMs ??= atMs;
    stdin.write(pcm);
  }

  writeVideo(frame: Buffer): void {
    if (!this.video) return;
    const proc = this.proc;
    const pipe = proc?.stdio[3] as Writable | undefined;
    if (!proc || !pipe || pipe.destroyed) {
      this.droppedFrames++;
      return;
    }
    if (pipe.writableLength > MAX_PENDING_VIDEO_BYTES) {
      // Frames dropped here would put the picture behind the sound for good: a restart starts both afresh together.
      this.droppedFrames++;
      if (!this.stalledNow) {
        this.stalledNow = true;
        this.stallWhy = 'stalled: could not keep up with the picture';
        this.stalls++;
        this.log('error', `${this.name} encoder cannot keep up with the picture; restarting it`);
        proc.kill('SIGKILL');
      }
      return;
    }
    pipe.write(frame);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    const proc = this.proc;
    if (!proc) {
      this.state = 'stopped';
      return;
    }
    const closed = new Promise<void>((r) => proc.once('close', () => r()));
    proc.stdin!.end();
    (proc.stdio[3] as Writable | undefined)?.end();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await closed;
    clearTimeout(kill);
  }
}

const lastLine = (text: string) => text.trim().split('\n').at(-1)?.trim().slice(0, 300) ?? '';

/** The Icecast source of a channel, as the server gives it to the lease holder. */
export interface IcecastTarget {
  host: string;
  port: number;
  mount: string;
  username: string;
  password: string;
  format: 'mp3' | 'aac';
  bitrate: number;
}

/** Icecast: MP3 (libmp3lame) or AAC in ADTS, sent as a source with the channel's name. */
export class IcecastOutput extends EncoderOutput {
  constructor(
    private readonly target: IcecastTarget,
    private readonly station: { name: string; description?: string },
    log: OutputLog
  ) {
    super(`icecast ${target.host}:${target.port}${target.mount}`, log, 'icecast');
  }

  protected encoderArgs(): string[] {
    const t = this.target;
    const mp3 = t.format === 'mp3';
    const url = `icecast://${encodeURIComponent(t.username)}:${encodeURIComponent(t.password)}@${t.host}:${t.port}${t.mount}`;
    return [
      ...(mp3 ? ['-c:a', 'libmp3lame'] : ['-c:a', 'aac']), '-b:a', `${t.bitrate}k`,
      '-content_type', mp3 ? 'audio/mpeg' : 'audio/aac',
      '-ice_name', this.station.name,
      ...(this.station.description ? ['-ice_description', this.station.description] : []),
      '-f', mp3 ? 'mp3' : 'adts', url
    ];
  }

  protected override redact(text: string): string {
    return this.target.password ? text.split(encodeURIComponent(this.target.password)).join('****').split(this.target.password).join('****') : text;
  }
}

export interface RtmpTarget {
  id: string;
  name: string;
  url: string;
  streamKey: string;
}

/**
 * RTMP (YouTube, Twitch, any server): FLV with AAC audio and a picture, since the platforms need video: a video
 * channel's picture (`video`), else black at 2 fps.
 */
export class RtmpOutput extends EncoderOutput {
  constructor(
    private readonly target: RtmpTarget,
    log: OutputLog,
    video = false
  ) {
    super(`rtmp ${target.name}`, log, 'rtmp', video);
  }

  protected encoderArgs(): string[] {
    const url = `${this.target.url.replace(/\/+$/, '')}/${this.target.streamKey}`;
    if (this.video) return [...VIDEO_ENCODER_ARGS, '-c:a', 'aac', '-b:a', '160k', '-f', 'flv', url];
    return [
      '-f', 'lavfi', '-i', 'color=black:s=1280x720:r=2',
      '-map', '0:a', '-map', '1:v',
      '-c:a', 'aac', '-b:a', '160k',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-pix_fmt', 'yuv420p', '-g', '4', '-b:v', '150k',
      // The picture never ends by itself: without this an encoder whose worker was killed (stdin closed) streamed
      // black frames on its own for as long as the destination took them (seen: 20 minutes at 0.7 cores).
      '-shortest',
      '-f', 'flv', url
    ];
  }

  protected override redact(text: string): string {
    return this.target.streamKey ? text.split(this.target.streamKey).join('****') : text;
  }
}

/** Sends one finished recording file to the web process. */
export type RecordingUpload = (name: string, file: string) => Promise<void>;

/** A recording file's name: the wall-clock start of its segment (UTC), so the server knows its hour without probing. */
export const RECORDING_NAME = /^rec-(\d{8})-(\d{6})\.m4a$/;

/**
 * The air archived in files of `segmentSeconds` (an hour by default) cut at the wall clock; the segment list names each
 * file as ffmpeg finishes it, and only then is it uploaded and removed here. The open file is finished on stop.
 */
export class RecordingOutput extends EncoderOutput {
  private poller: NodeJS.Timeout | null = null;
  private readonly done = new Set<string>();
  private busy: Promise<void> = Promise.resolve();
  uploadErrors = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentSeconds: number,
    private readonly upload: RecordingUpload,
    log: OutputLog
  ) {
    super('recording', log);
  }

  protected encoderArgs(): string[] {
    // Encoders run with TZ=UTC: strftime in the file name is the segment's UTC start.
    return [
      '-c:a', 'aac', '-b:a', '128k',
      '-f', 'segment', '-segment_time', String(this.segmentSeconds), '-segment_atclocktime', '1', '-reset_timestamps', '1',
      '-segment_format', 'ipod', '-segment_list', path.join(this.dir, 'finished.csv'), '-segment_list_type', 'csv', '-segment_list_flags', '+live',
      '-strftime', '1', path.join(this.dir, 'rec-%Y%m%d-%H%M%S.m4a')
    ];
  }

  override start(): void {
    super.start();
    this.poller ??= setInterval(() => this.sync(), 1000);
  }

  private sync(): Promise<void> {
    this.busy = this.busy.then(async () => {
      const list = await fs.readFile(path.join(this.dir, 'finished.csv'), 'utf8').catch(() => '');
      for (const line of list.split('\n')) {
        const name = line.split(',')[0]?.trim();
        if (!name || !RECORDING_NAME.test(name) || this.done.has(name)) continue;
        const file = path.join(this.dir, name);
        // A segment cut before any audio reached it (the first cut right after a start) has no playable content.
        const seconds = await probeMedia(file).then((p) => (p.audio ? (p.duration ?? 0) : 0), () => 0);
        if (seconds < 0.1) {
          this.done.add(name);
          await fs.rm(file, { force: true });
          this.log('warn', `recording ${name} held no audio and was dropped`);
          continue;
        }
        try {
          await this.upload(name, file);
          this.done.add(name);
          await fs.rm(file, { force: true });
          this.log('info', `recording ${name} stored`);
        } catch (e) {
          // Kept here, and tried again on the next look.
          this.uploadErrors++;
          if (this.uploadErrors % 20 === 1) this.log('warn', `recording upload failed: ${(e as Error).message}`);
          return;
        }
      }
    });
    return this.busy;
  }

  override async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await super.stop();
    // ffmpeg finished the open file as it exited: it is in the list now.
    await this.sync();
  }
}

/** Sends one finished HLS file to the web process. */
export type HlsUpload = (name: string, body: Buffer) => Promise<void>;

/** ffmpeg's AAC encoder delay, as measured by the playout benchmark (items heard 21 ms after their stamps without it). */
const AAC_PRIMING_MS = (1024 / LIVE_SAMPLE_RATE) * 1000;

/**
 * HLS: AAC 128k (and on a video channel its 720p H.264 picture) in MPEG-TS segments of 2 s, a sliding list of 6 with EXT-X-PROGRAM-DATE-TIME, old segments deleted;
 * segment numbers from the epoch, so a restarted job continues the sequence. Each new playlist is uploaded after the
 * segments it lists, so a listener never sees a segment that is not there yet.
 */
export class HlsOutput extends EncoderOutput {
  private poller: NodeJS.Timeout | null = null;
  private uploaded = new Set<string>();
  private lastPlaylist = '';
  private clock = new SegmentClock();
  private busy = false;
  uploadErrors = 0;

  constructor(
    private readonly dir: string,
    private readonly upload: HlsUpload,
    log: OutputLog,
    video = false
  ) {
    super('hls', log, 'hls', video);
  }

  protected encoderArgs(): string[] {
    return [
      ...(this.video ? VIDEO_ENCODER_ARGS : []),
      '-c:a', 'aac', '-b:a', '128k',
      '-f', 'hls',
      '-hls_time', String(LIVE_HLS_SEGMENT_SECONDS),
      // The first list's segments are 1 s: a (re)started stream is back for players a second sooner.
      '-hls_init_time', '1',
      '-hls_list_size', String(LIVE_HLS_LIST_SIZE),
      '-hls_flags', 'delete_segments+program_date_time+temp_file+omit_endlist',
      '-hls_start_number_source', 'epoch',
      '-hls_segment_filename', path.join(this.dir, 'seg-%d.ts'),
      path.join(this.dir, LIVE_PLAYLIST)
    ];
  }

  override start(): void {
    // A new encoder run: new segments, timed from its own first frame.
    this.clock = new SegmentClock();
    super.start();
    this.poller ??= setInterval(() => void this.sync(), 250);
  }

  /** Uploads what ffmpeg finished since the last look. */
  private async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const text = await fs.readFile(path.join(this.dir, LIVE_PLAYLIST), 'utf8').catch(() => '');
      if (!text.includes('#EXTINF') || text === this.lastPlaylist) return;
      const listed = text.split('\n').map((l) => l.trim()).filter((l) => LIVE_SEGMENT_NAME.test(l));
      for (const seg of listed) {
        if (this.uploaded.has(seg)) continue;
        await this.upload(seg, await fs.readFile(path.join(this.dir, seg)));
        this.uploaded.add(seg);
      }
      // The AAC encoder puts its priming (1024 samples) before the first frame it was fed: the media starts that early.
      const mediaStartMs = this.firstFrameMs === null ? null : this.firstFrameMs - AAC_PRIMING_MS;
      await this.upload(LIVE_PLAYLIST, Buffer.from(mediaStartMs === null ? text : this.clock.stamp(text, mediaStartMs)));
      this.lastPlaylist = text;
      for (const seg of this.uploaded) if (!listed.includes(seg)) this.uploaded.delete(seg);
    } catch (e) {
      // The next look tries again; the list slides on meanwhile.
      this.uploadErrors++;
      if (this.uploadErrors % 20 === 1) this.log('warn', `HLS upload failed: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  override async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await super.stop();
  }
}
