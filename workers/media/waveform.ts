/** Peaks for drawing an audio waveform, in BBC audiowaveform's JSON format (v2, 8-bit) so wavesurfer/peaks.js read it as is. */
import { writeFile } from 'node:fs/promises';
import { Writable, finished } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg';

/** Low rate on purpose: peaks only need the envelope, and 8 kHz mono keeps the pipe small. */
const SAMPLE_RATE = 8000;
const PEAKS_PER_SECOND = 20;
const MAX_PIXELS = 4000;

export interface WaveformJson {
  version: 2;
  channels: 1;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8;
  length: number;
  data: number[];
}

export interface WaveformResult {
  file: string;
  mime: 'application/json';
  meta: { length: number; samplesPerPixel: number; sampleRate: number };
}

/** Decodes the first audio stream of `file` to 8 kHz mono and writes its min/max peaks to `out`. */
export async function computeWaveform(file: string, out: string, run: RunFfmpegOptions = {}): Promise<WaveformResult> {
  const expected = run.duration && run.duration > 0 ? run.duration * SAMPLE_RATE : null;
  // 1% headroom so a duration that is slightly off does not trip the halving below.
  const sink = new PeakSink(Math.max(SAMPLE_RATE / PEAKS_PER_SECOND, expected ? Math.ceil(expected / (MAX_PIXELS * 0.99)) : 0));
  if (expected && run.onProgress) {
    const report = run.onProgress;
    let percent = -1;
    // Pipe chunks are small (a few KB), so only whole-percent steps are worth reporting.
    sink.onSamples = (n) => {
      const now = Math.floor(Math.min(1, n / expected) * 100);
      if (now > percent) report((percent = now) / 100);
    };
  }
  const command = ffmpeg(file)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:a:0'])
    .noVideo()
    .audioChannels(1)
    .audioFrequency(SAMPLE_RATE)
    .audioCodec('pcm_s16le')
    .format('s16le')
    // output(), not pipe(): fluent-ffmpeg's pipe() also starts the command, and runFfmpeg would start a second one.
    .output(sink, { end: true });
  // fluent-ffmpeg reports 'end' when the process exits, which can be before the last stdout chunk reached the sink.
  const drained = new Promise<void>((resolve, reject) => finished(sink, (err) => (err ? reject(err) : resolve())));
  drained.catch(() => {});
  await runFfmpeg(command, { signal: run.signal });
  await drained;

  const json = sink.toJson();
  await writeFile(out, JSON.stringify(json));
  return {
    file: out,
    mime: 'application/json',
    meta: { length: json.length, samplesPerPixel: json.samples_per_pixel, sampleRate: json.sample_rate }
  };
}

/** Folds streamed s16le samples into per-pixel min/max without keeping the audio. */
class PeakSink extends Writable {
  onSamples: ((count: number) => void) | null = null;
  private mins: number[] = [];
  private maxs: number[] = [];
  private curMin = 0;
  private curMax = 0;
  private inPixel = 0;
  private samples = 0;
  private leftover: Buffer | null = null;

  constructor(private samplesPerPixel: number) {
    // Without this, fluent-ffmpeg sees our 'close' and reports a spurious "Output stream closed" error 20 ms later.
    super({ emitClose: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Chunks can split a 16-bit sample; carry the odd byte over.
    const buf = this.leftover ? Buffer.concat([this.leftover, chunk]) : chunk;
    const whole = buf.length - (buf.length % 2);
    this.leftover = whole < buf.length ? buf.subarray(whole) : null;
    for (let i = 0; i < whole; i += 2) {
      // audiowaveform's 8-bit data is the 16-bit sample's high byte.
      const v = buf.readInt16LE(i) >> 8;
      if (this.inPixel === 0) {
        // Only halve once a pixel past the cap actually starts: MAX_PIXELS is even, so pixel boundaries stay aligned.
        if (this.mins.length === MAX_PIXELS) this.halve();
        this.curMin = v;
        this.curMax = v;
      } else {
        if (v < this.curMin) this.curMin = v;
        if (v > this.curMax) this.curMax = v;
      }
      if (++this.inPixel === this.samplesPerPixel) this.closePixel();
    }
    this.samples += whole / 2;
    this.onSamples?.(this.samples);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inPixel > 0) this.closePixel();
    callback();
  }

  toJson(): WaveformJson {
    const data: number[] = [];
    for (let i = 0; i < this.mins.length; i++) data.push(this.mins[i]!, this.maxs[i]!);
    return {
      version: 2,
      channels: 1,
      sample_rate: SAMPLE_RATE,
      samples_per_pixel: this.samplesPerPixel,
      bits: 8,
      length: this.mins.length,
      data
    };
  }

  private closePixel(): void {
    this.mins.push(this.curMin);
    this.maxs.push(this.curMax);
    this.inPixel = 0;
  }

  /** Longer than the duration promised: halve the resolution instead of buffering, so the cap holds for any length. */
  private halve(): void {
    const mins: number[] = [];
    const maxs: number[] = [];
    for (let i = 0; i < this.mins.length; i += 2) {
      mins.push(Math.min(this.mins[i]!, this.mins[i + 1]!));
      maxs.push(Math.max(this.maxs[i]!, this.maxs[i + 1]!));
    }
    this.mins = mins;
    this.maxs = maxs;
    this.samplesPerPixel *= 2;
  }
}
