/** EBU R128 loudness of a file, measured with ffmpeg's loudnorm filter (its first pass). */
import { devNull } from 'node:os';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg, type RunFfmpegOptions } from './run-ffmpeg';

/** The broadcast target: EBU R128's streaming recommendation, as most platforms use. */
export const LOUDNESS_TARGET = { integratedLufs: -16, truePeakDbtp: -1.5, lra: 11 } as const;

export interface LoudnessMeasurement {
  /** null when the file is (digital) silence, where loudness is -inf. */
  integratedLufs: number | null;
  truePeakDbtp: number | null;
  lra: number | null;
  threshold: number | null;
  /** What loudnorm's second pass needs to land exactly on target. */
  targetOffset: number | null;
}

export async function measureLoudness(file: string, run: RunFfmpegOptions = {}): Promise<LoudnessMeasurement> {
  const { integratedLufs: I, truePeakDbtp: TP, lra: LRA } = LOUDNESS_TARGET;
  const command = ffmpeg(file)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:a:0'])
    .noVideo()
    .audioFilters(`loudnorm=I=${I}:TP=${TP}:LRA=${LRA}:print_format=json`)
    .format('null')
    .output(devNull);
  const report = parseLoudnormReport(await runFfmpeg(command, run));
  return {
    integratedLufs: finite(report.input_i),
    truePeakDbtp: finite(report.input_tp),
    lra: finite(report.input_lra),
    threshold: finite(report.input_thresh),
    targetOffset: finite(report.target_offset)
  };
}

/** loudnorm prints its JSON as the last brace block on stderr, after a "[Parsed_loudnorm_0 @ …]" line. */
export function parseLoudnormReport(stderr: string): Record<string, string> {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error('loudnorm printed no report');
  const parsed: unknown = JSON.parse(stderr.slice(start, end + 1));
  if (!parsed || typeof parsed !== 'object') throw new Error('loudnorm report is not an object');
  return parsed as Record<string, string>;
}

/** loudnorm writes numbers as strings and "-inf" for silence. */
function finite(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? n : null;
}
