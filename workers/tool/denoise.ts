/**
 * `tool.denoise`: video noise reduction with ffmpeg's own filters (DSP, no model). fast: hqdn3d, a spatial and
 * temporal low-pass (about real time at 1080p here); quality: nlmeans, non-local means, which keeps edges that hqdn3d
 * softens but costs many times more. The sound is kept.
 */
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { runFfmpeg } from '../media/run-ffmpeg';
import { filteredPicture, made } from './tool-output';
import { pass, toolJob, type ToolRun } from './tool-job';

/** hqdn3d's own default ratios (luma 4, chroma 3, temporal 6 and 4.5), scaled by `strength`. */
export function denoiseFilter(method: 'fast' | 'quality', strength: number): string {
  const s = (k: number) => Math.round(strength * k * 100) / 100;
  return method === 'fast' ? `hqdn3d=${s(1)}:${s(0.75)}:${s(1.5)}:${s(1.125)}` : `nlmeans=s=${s(1)}`;
}

export async function denoiseVideo(run: ToolRun<'denoise'>) {
  const { method, strength } = run.options;
  const out = path.join(run.workDir, 'denoised.mp4');
  const command = ffmpeg(run.file)
    .inputOptions(['-hide_banner'])
    .outputOptions(filteredPicture(denoiseFilter(method, strength), run.source.hasAudio))
    .output(out);
  await runFfmpeg(command, pass(run, 0, 1, method === 'fast' ? 'Denoising (hqdn3d)' : 'Denoising (nlmeans)'));
  return { made: await made(out, true, { tool: 'denoise', method, strength }), findings: {} };
}

export const toolDenoiseJob = toolJob('denoise', denoiseVideo);
