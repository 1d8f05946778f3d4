/**
 * `tool.silence`: silencedetect finds the silent stretches; each becomes a proposed cut (less `padding` on either side,
 * whole at the file's start and end). With `remove`, a new asset is made without the cuts.
 */
import path from 'node:path';
import { devNull } from 'node:os';
import { writeFile } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';
import type { TimeRange } from '../../src/lib/tool';
import { runFfmpeg } from '../media/run-ffmpeg';
import { AAC, AUDIO_OUT, made, MP4, WHOLE_LOG, X264 } from './tool-output';
import { pass, toolJob, type ToolRun } from './tool-job';

/** Cuts shorter than this are not worth a jump in the sound. */
const MIN_CUT_SECONDS = 0.05;

export async function removeSilence(run: ToolRun<'silence'>) {
  const { thresholdDb, minSilence, padding, remove } = run.options;
  const detect = ffmpeg(run.file, WHOLE_LOG)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:a:0', '-af', `silencedetect=n=${thresholdDb}dB:d=${minSilence}`])
    .format('null')
    .output(devNull);
  const duration = run.source.duration ?? Infinity;
  const silences = parseSilences(await runFfmpeg(detect, pass(run, 0, remove ? 0.2 : 1, 'Finding silence')), duration);
  const cuts = proposedCuts(silences, padding, duration);
  const removed = cuts.reduce((sum, c) => sum + c.end - c.start, 0);
  // All silence: nothing would be left to make an asset of.
  if (!remove || !cuts.length || removed >= duration - MIN_CUT_SECONDS) return { findings: { silences, cuts } };

  // One expression keeps what lies outside every cut; it can be long, so it goes through a script file.
  const outside = `not(${cuts.map((c) => `between(t,${c.start.toFixed(3)},${c.end.toFixed(3)})`).join('+')})`;
  const video = run.source.hasVideo;
  const graph = [
    `[0:a:0]aselect='${outside}',asetpts=N/SR/TB[a]`,
    ...(video ? [`[0:V:0]select='${outside}',setpts=N/FRAME_RATE/TB[v]`] : [])
  ].join(';\n');
  const script = path.join(run.workDir, 'silence.graph');
  await writeFile(script, graph);
  const out = path.join(run.workDir, video ? 'trimmed.mp4' : 'trimmed.flac');
  const command = ffmpeg(run.file)
    .inputOptions(['-hide_banner'])
    .outputOptions(['-filter_complex_script', script, ...(video ? ['-map', '[v]', ...X264] : []), '-map', '[a]', ...(video ? [...AAC, ...MP4] : AUDIO_OUT.codec)])
    .output(out);
  await runFfmpeg(command, pass(run, 0.2, 1, 'Removing silence'));
  return { made: await made(out, video, { tool: 'silence', removed: Math.round(removed * 1000) / 1000 }), findings: { silences, cuts } };
}

/** silencedetect's log: a start line, later an end line; a silence still open at the end runs to `duration`. */
export function parseSilences(stderr: string, duration: number): TimeRange[] {
  const ranges: TimeRange[] = [];
  let start: number | null = null;
  for (const m of stderr.matchAll(/silence_(start|end): (-?[\d.]+)/g)) {
    const t = Math.max(0, Number(m[2]));
    if (m[1] === 'start') start = t;
    else if (start !== null) {
      ranges.push({ start: round(start), end: round(Math.min(t, duration)) });
      start = null;
    }
  }
  if (start !== null && Number.isFinite(duration) && duration > start) ranges.push({ start: round(start), end: round(duration) });
  return ranges;
}

function proposedCuts(silences: TimeRange[], padding: number, duration: number): TimeRange[] {
  const edge = 0.01;
  return silences
    .map((s) => ({ start: round(s.start <= edge ? 0 : s.start + padding), end: round(s.end >= duration - edge ? s.end : s.end - padding) }))
    .filter((c) => c.end - c.start >= MIN_CUT_SECONDS);
}

const round = (t: number) => Math.round(t * 1000) / 1000;

export const toolSilenceJob = toolJob('silence', removeSilence);
