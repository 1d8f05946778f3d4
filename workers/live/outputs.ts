/**
 * Outputs of the mixed stream. The mixer writes each block of PCM once to the fan-out; every output is its own
 * encoder process fed that PCM on stdin, restarted with backoff when it dies, and dropping (not queueing without end)
 * what it cannot take — so a failing Icecast or RTMP encoder later never stalls the mixer or the other outputs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LIVE_CHANNELS, LIVE_HLS_LIST_SIZE, LIVE_HLS_SEGMENT_SECONDS, LIVE_PLAYLIST, LIVE_SAMPLE_RATE, LIVE_SEGMENT_NAME } from '../../src/lib/live';

export interface PcmOutput {
  readonly name: string;
  start(): void;
  /** Interleaved float stereo at LIVE_SAMPLE_RATE; never blocks. */
  write(pcm: Buffer): void;
  stop(): Promise<void>;
}

export type OutputLog = (level: 'info' | 'warn' | 'error', msg: string, extra?: object) => void;

/** Feeds every output the same PCM; one failing output does not touch the others. */
export class PcmFanout {
  constructor(readonly outputs: PcmOutput[]) {}

  start(): void {
    for (const o of this.outputs) o.start();
  }

  write(pcm: Buffer): void {
    for (const o of this.outputs) o.write(pcm);
  }

  async stop(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.stop()));
  }
}

/** More than this many bytes waiting on an encoder's stdin (~5 s): it is stuck, and blocks are dropped for it. */
const MAX_PENDING_BYTES = 5 * LIVE_SAMPLE_RATE * LIVE_CHANNELS * 4;

/** An encoder ffmpeg reading PCM on stdin, restarted with exponential backoff (1 s … 30 s) when it exits. */
export abstract class EncoderOutput implements PcmOutput {
  private proc: ChildProcess | null = null;
  private stopping = false;
  private crashes = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  dropped = 0;
  restarts = 0;

  constructor(
    readonly name: string,
    protected readonly log: OutputLog
  ) {}

  /** ffmpeg arguments after the PCM input. */
  protected abstract encoderArgs(): string[];

  start(): void {
    this.timer = null;
    if (this.stopping) return;
    this.startedAt = Date.now();
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-f', 'f32le', '-ar', String(LIVE_SAMPLE_RATE), '-ac', String(LIVE_CHANNELS), '-i', 'pipe:0', ...this.encoderArgs()];
    const proc = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.proc = proc;
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    proc.stdin!.on('error', () => {}); // EPIPE when it dies: the exit handler restarts it.
    proc.on('error', (e) => this.log('error', `${this.name} encoder could not start: ${e.message}`));
    proc.on('close', (code, signal) => {
      if (this.proc === proc) this.proc = null;
      if (this.stopping) return;
      // A run of a minute or more was healthy: the backoff starts over.
      this.crashes = Date.now() - this.startedAt > 60_000 ? 1 : this.crashes + 1;
      const delay = Math.min(30_000, 1000 * 2 ** (this.crashes - 1));
      this.restarts++;
      this.log('warn', `${this.name} encoder exited (${code ?? signal}); restarting in ${delay} ms`, { stderr: stderr.trim().slice(-500) });
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  write(pcm: Buffer): void {
    const stdin = this.proc?.stdin;
    if (!stdin || stdin.destroyed || stdin.writableLength > MAX_PENDING_BYTES) {
      this.dropped += pcm.length;
      return;
    }
    stdin.write(pcm);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const proc = this.proc;
    if (!proc) return;
    const closed = new Promise<void>((r) => proc.once('close', () => r()));
    proc.stdin!.end();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await closed;
    clearTimeout(kill);
  }
}

/** Sends one finished HLS file to the web process. */
export type HlsUpload = (name: string, body: Buffer) => Promise<void>;

/**
 * HLS: AAC 128k in MPEG-TS segments of 2 s, a sliding list of 6 with EXT-X-PROGRAM-DATE-TIME, old segments deleted;
 * segment numbers from the epoch, so a restarted job continues the sequence. Each new playlist is uploaded after the
 * segments it lists, so a listener never sees a segment that is not there yet.
 */
export class HlsOutput extends EncoderOutput {
  private poller: NodeJS.Timeout | null = null;
  private uploaded = new Set<string>();
  private lastPlaylist = '';
  private busy = false;
  uploadErrors = 0;

  constructor(
    private readonly dir: string,
    private readonly upload: HlsUpload,
    log: OutputLog
  ) {
    super('hls', log);
  }

  protected encoderArgs(): string[] {
    return [
      '-c:a', 'aac', '-b:a', '128k',
      '-f', 'hls',
      '-hls_time', String(LIVE_HLS_SEGMENT_SECONDS),
      '-hls_list_size', String(LIVE_HLS_LIST_SIZE),
      '-hls_flags', 'delete_segments+program_date_time+temp_file+omit_endlist',
      '-hls_start_number_source', 'epoch',
      '-hls_segment_filename', path.join(this.dir, 'seg-%d.ts'),
      path.join(this.dir, LIVE_PLAYLIST)
    ];
  }

  override start(): void {
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
      await this.upload(LIVE_PLAYLIST, Buffer.from(text));
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
