/** The on-air copy of an audio asset: MP3 at -16 LUFS / -1.5 dBTP via two-pass loudnorm. */
import ffmpeg from 'fluent-ffmpeg';
import { LOUDNESS_TARGET, measureLoudness, parseLoudnormReport, type LoudnessMeasurement } from './loudness';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg';

export interface BroadcastResult {
  file: string;
  mime: 'audio/mpeg';
  meta: Record<string, unknown>;
}

export interface BroadcastOptions extends RunFfmpegOptions {
  /** Channels of the source; mono stays mono, anything wider becomes stereo. */
  channels: number;
  /** Progress of the check measurement on the encoded file, separate from the encode's. */
  onCheckProgress?: (fraction: number) => void;
}

/** Loudness-normalizes `file` (measured beforehand as `input`) into `out`, then measures `out` itself. */
export async function encodeBroadcast(
  file: string,
  out: string,
  input: LoudnessMeasurement,
  { channels, onCheckProgress, ...run }: BroadcastOptions
): Promise<BroadcastResult> {
  const { integratedLufs: I, truePeakDbtp: TP, lra: LRA } = LOUDNESS_TARGET;
  const channelsOut = channels <= 1 ? 1 : 2;
  // Silence has no loudness to correct (measured_I would be -inf), so it is only transcoded.
  const measured = input.integratedLufs !== null && input.truePeakDbtp !== null && input.lra !== null && input.threshold !== null;
  const filters = measured
    ? [
        `loudnorm=I=${I}:TP=${TP}:LRA=${LRA}` +
          `:measured_I=${input.integratedLufs}:measured_TP=${input.truePeakDbtp}` +
          `:measured_LRA=${input.lra}:measured_thresh=${input.threshold}` +
          `:offset=${input.targetOffset ?? 0}:linear=true:print_format=json`,
        // loudnorm always outputs 192 kHz; MP3 tops out at 48 kHz and 44.1 kHz is what players expect.
        'aresample=44100'
      ]
    : ['aresample=44100'];
  const command = ffmpeg(file)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:a:0', '-map_metadata', '0', '-id3v2_version', '3'])
    .noVideo()
    .audioFilters(filters)
    .audioChannels(channelsOut)
    .audioCodec('libmp3lame')
    .audioBitrate(channelsOut === 1 ? '128k' : '256k')
    .audioFrequency(44100)
    .output(out);
  const stderr = await runFfmpeg(command, run);
  // loudnorm silently falls back to dynamic mode when a linear gain would overshoot the true-peak ceiling.
  const normalization = measured ? (parseLoudnormReport(stderr).normalization_type ?? 'unknown') : 'none';

  const output = await measureLoudness(out, { signal: run.signal, duration: run.duration, onProgress: onCheckProgress });
  return {
    file: out,
    mime: 'audio/mpeg',
    meta: {
      targetLufs: I,
      truePeakDbtp: TP,
      normalization,
      input: {
        integratedLufs: input.integratedLufs,
        truePeakDbtp: input.truePeakDbtp,
        lra: input.lra,
        threshold: input.threshold
      },
      output: { integratedLufs: output.integratedLufs, truePeakDbtp: output.truePeakDbtp }
    }
  };
}
