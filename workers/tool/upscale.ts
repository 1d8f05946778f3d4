/**
 * `tool.upscale`: 2× or 4× by Lanczos scaling with an unsharp mask after it (no model: edges get crisper, no detail
 * is invented). Refused past 4K. The sound is kept.
 */
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { upscaleRefusal } from '../../src/lib/tool';
import { displaySize, readProbe } from '../media/probe';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError } from '../worker-client';
import { filteredPicture, made } from './tool-output';
import { pass, toolJob, type ToolRun } from './tool-job';

export async function upscaleVideo(run: ToolRun<'upscale'>) {
  const { factor } = run.options;
  const size = displaySize(await readProbe(run.file));
  if (!size) throw new PermanentJobError('upscale needs a picture; the file has no video stream');
  // The server checked the library's size; the file itself is the last word.
  const refusal = upscaleRefusal(size.width, size.height, factor);
  if (refusal) throw new PermanentJobError(refusal.message);
  const out = path.join(run.workDir, 'upscaled.mp4');
  const command = ffmpeg(run.file)
    .inputOptions(['-hide_banner'])
    // accurate_rnd and full_chroma_int: the chroma planes are scaled with Lanczos too, not a cheaper pass.
    .outputOptions(filteredPicture(`scale=w=iw*${factor}:h=ih*${factor}:flags=lanczos+accurate_rnd+full_chroma_int,unsharp=5:5:0.8:5:5:0`, run.source.hasAudio))
    .output(out);
  await runFfmpeg(command, pass(run, 0, 1, `Upscaling ${factor}×`));
  return { made: await made(out, true, { tool: 'upscale', factor, from: size }), findings: {} };
}

export const toolUpscaleJob = toolJob('upscale', upscaleVideo);
