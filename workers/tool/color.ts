/**
 * `tool.color`: colour auto-correction from measured levels (DSP, no model). One pass measures each sampled frame with
 * signalstats; the median frame's darkest and brightest luma are stretched to video black (16) and white (235), and the
 * picture's mean chroma is shifted to neutral grey (128, the grey-world assumption), which undoes a colour cast.
 * The sound is kept.
 */
import path from 'node:path';
import { devNull } from 'node:os';
import { readFile } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg } from '../media/run-ffmpeg';
import { filteredPicture, made } from './tool-output';
import { pass, toolJob, type ToolRun } from './tool-job';

/** Relative to ffmpeg's working directory (the job's folder), so no path needs escaping inside the filter string. */
const STATS = 'signalstats.txt';
/** Frames measured per second: the levels of a shot do not change faster than this. */
const SAMPLE_FPS = 5;
/** A near-black shot is not stretched into noise: at most this gain on luma. */
const MAX_GAIN = 3;
/** Luma spread (max − min) below which a picture is one flat colour (a title card, a sky): no grey to balance, no range to stretch. */
const MIN_SPREAD = 32;
/** A cast larger than this is more likely the scene's own colour (a sunset, a green wall) than a fault. */
const MAX_SHIFT = 40;

export interface ColorLevels {
  black: number;
  white: number;
  u: number;
  v: number;
}

/** The median over frames of signalstats' YMIN, YMAX, UAVG and VAVG from `metadata=print`'s file. */
export function parseLevels(text: string): ColorLevels | null {
  const values = (key: string) => [...text.matchAll(new RegExp(`lavfi\\.signalstats\\.${key}=([\\d.]+)`, 'g'))].map((m) => Number(m[1]));
  const [black, white, u, v] = ['YMIN', 'YMAX', 'UAVG', 'VAVG'].map((k) => median(values(k)));
  return black === null || white === null || u === null || v === null ? null : { black, white, u, v };
}

/** The lutyuv that maps measured levels onto the video range and neutral grey; with what it does, for the report. */
export function correction(m: ColorLevels, levels: boolean, balance: boolean): { filter: string; gain: number; shiftU: number; shiftV: number } {
  const round = (x: number) => Math.round(x * 100) / 100;
  const flat = m.white - m.black < MIN_SPREAD;
  const gain = levels && !flat ? round(Math.min(MAX_GAIN, Math.max(1, 219 / (m.white - m.black)))) : 1;
  const clampShift = (x: number) => round(Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, x)));
  const shiftU = balance && !flat ? clampShift(128 - m.u) : 0;
  const shiftV = balance && !flat ? clampShift(128 - m.v) : 0;
  // Stretched around the measured black, so the darkest part lands on 16 and the brightest (at full gain) on 235.
  const y = gain === 1 ? 'val' : `clip(16+(val-${m.black})*${gain},16,235)`;
  const filter = `lutyuv=y='${y}':u='clip(val+${shiftU},16,240)':v='clip(val+${shiftV},16,240)'`;
  return { filter, gain, shiftU, shiftV };
}

export async function correctColor(run: ToolRun<'color'>) {
  const { levels, balance } = run.options;
  const measure = ffmpeg(run.file, { cwd: run.workDir })
    .inputOptions(['-hide_banner'])
    .outputOptions(['-map', '0:V:0', '-vf', `fps=${SAMPLE_FPS},scale=w='min(640,iw)':h=-2,format=yuv420p,signalstats,metadata=print:file=${STATS}`])
    .noAudio()
    .format('null')
    .output(devNull);
  await runFfmpeg(measure, pass(run, 0, 0.3, 'Measuring levels'));
  const measured = parseLevels(await readFile(path.join(run.workDir, STATS), 'utf8'));
  if (!measured) throw new Error('signalstats measured no frames');
  const { filter, gain, shiftU, shiftV } = correction(measured, levels, balance);

  const out = path.join(run.workDir, 'corrected.mp4');
  const command = ffmpeg(run.file)
    .inputOptions(['-hide_banner'])
    .outputOptions(filteredPicture(`format=yuv420p,${filter}`, run.source.hasAudio))
    .output(out);
  await runFfmpeg(command, pass(run, 0.3, 1, 'Correcting colour'));
  return { made: await made(out, true, { tool: 'color', measured, gain, shiftU, shiftV }), findings: {} };
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const toolColorJob = toolJob('color', correctColor);
