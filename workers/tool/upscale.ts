/**
 * `tool.upscale`: a still by ESRGAN (neural, slim model: see esrgan.ts) to a PNG; a video 2× or 4× by Lanczos
 * scaling with an unsharp mask after it (no model: edges get crisper, no detail is invented; ESRGAN is far slower
 * than video on this CPU), the sound kept. Refused past 4K.
 */
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { upscaleRefusal } from '../../src/lib/tool';
import { displaySize, readProbe } from '../media/probe';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError } from '../worker-client';
import { esrganUpscale } from './esrgan';
import { filteredPicture, made, STILL_OUT } from './tool-output';
import { pass, toolJob, type ToolOutput, type ToolRun } from './tool-job';

export async function upscale(run: ToolRun<'upscale'>): Promise<ToolOutput> {
  return run.source.kind === 'image' ? upscaleStill(run) : upscaleVideo(run);
}

export async function upscaleStill(run: ToolRun<'upscale'>): Promise<ToolOutput> {
  const { factor } = run.options;
  const { default: sharp } = await import('sharp');
  // Upright first (EXIF orientation), as the library shows it; the pixel cap stops decompression bombs.
  const source = sharp(run.file, { limitInputPixels: 150_000_000, failOn: 'error' }).rotate();
  const { data, info } = await source.clone().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const refusal = upscaleRefusal(info.width, info.height, factor);
  if (refusal) throw new PermanentJobError(refusal.message);
  const message = `Upscaling ${factor}× (ESRGAN)`;
  run.progress(0, message);
  const up = await esrganUpscale({ data, width: info.width, height: info.height }, factor, { signal: run.signal, onProgress: (f) => run.progress(0.95 * f, message) });
  const raw = { raw: { width: up.width, height: up.height, channels: 3 as const } };
  let picture = sharp(up.data, raw);
  // Transparency is no picture detail: it is scaled with Lanczos and put back.
  if ((await source.metadata()).hasAlpha) {
    const alpha = await source.clone().extractChannel('alpha').resize(up.width, up.height, { kernel: 'lanczos3' }).raw().toBuffer();
    picture = picture.joinChannel(alpha, { raw: { width: up.width, height: up.height, channels: 1 } });
  }
  const out = path.join(run.workDir, 'upscaled.png');
  await picture.png().toFile(out);
  run.progress(1, message);
  return {
    made: { file: out, ...STILL_OUT, meta: { duration: null, width: up.width, height: up.height, tool: 'upscale', method: 'esrgan', factor, from: { width: info.width, height: info.height } } },
    findings: {}
  };
}

export async function upscaleVideo(run: ToolRun<'upscale'>): Promise<ToolOutput> {
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
  return { made: await made(out, true, { tool: 'upscale', method: 'lanczos', factor, from: size }), findings: {} };
}

export const toolUpscaleJob = toolJob('upscale', upscale);
