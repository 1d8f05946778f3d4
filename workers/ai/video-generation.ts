/**
 * `ai.video`: text-to-video or image-to-video on the project's video server, which speaks OpenAI's videos API
 * (https://platform.openai.com/docs/api-reference/videos): POST {base}/videos (multipart: model, prompt, seconds, size,
 * input_reference) → {id, status}; GET {base}/videos/{id} until status is completed or failed, with progress 0–100;
 * GET {base}/videos/{id}/content → the MP4. The MP4 is checked with ffprobe and stored as a new asset.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import ffmpeg from 'fluent-ffmpeg';
import OpenAI, { toFile } from 'openai';
import type { VideoSeconds, VideoSize } from 'openai/resources/videos';
import { z } from 'zod';
import { VIDEO_GENERATION_JOB, VIDEO_SECONDS, VIDEO_SIZES } from '../../src/lib/video-generation';
import { probeMedia } from '../media/probe';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError, type JobHandler } from '../worker-client';

/** OpenAI's guide polls every 10–20 s; self-hosted servers finish short clips sooner, so a little more often. */
const POLL_MS = 2000;
/** A generation still running after this long is given up on (the job may be retried once). */
const GIVE_UP_MS = 60 * 60_000;
/** How far the server's reported duration may be off the length asked for before the result is refused. */
const LENGTH_TOLERANCE_SECONDS = 1;

const input = z.object({
  prompt: z.string().min(1),
  seconds: z.number().int().min(VIDEO_SECONDS.min).max(VIDEO_SECONDS.max),
  size: z.enum(VIDEO_SIZES),
  imageAssetId: z.string().nullable(),
  model: z.string().min(1)
});

export const videoGenerationJob: JobHandler = async (ctx) => {
  const parsed = input.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`${VIDEO_GENERATION_JOB} takes { prompt, seconds, size, imageAssetId, model }: ${parsed.error.message}`);
  const job = parsed.data;
  const baseURL = ctx.job.urls.videoBaseUrl;
  if (!baseURL) throw new PermanentJobError('The server handed out no video generation server for this job.');
  const client = new OpenAI({ baseURL, apiKey: ctx.job.urls.videoKey ?? 'none', timeout: 120_000, maxRetries: 1 });
  const [width, height] = job.size.split('x').map(Number) as [number, number];

  try {
    let reference;
    if (job.imageAssetId) {
      ctx.progress(0, 'Downloading the source image');
      const image = path.join(ctx.workDir, 'image');
      await ctx.download('image', image);
      // The API wants the reference at the video's size: cover the frame and crop the overflow.
      const png = path.join(ctx.workDir, 'reference.png');
      const fit = ffmpeg(image)
        .inputOptions(['-hide_banner'])
        .outputOptions(['-frames:v', '1', '-vf', `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`])
        .output(png);
      await runFfmpeg(fit, { signal: ctx.signal });
      reference = await toFile(createReadStream(png), 'reference.png', { type: 'image/png' });
    }

    ctx.progress(0.02, 'Sending the request to the video server');
    let video = await client.videos.create(
      { model: job.model, prompt: job.prompt, seconds: String(job.seconds) as VideoSeconds, size: job.size as VideoSize, ...(reference ? { input_reference: reference } : {}) },
      { signal: ctx.signal }
    );
    const started = Date.now();
    while (video.status === 'queued' || video.status === 'in_progress') {
      const pct = Math.min(100, Math.max(0, Number(video.progress) || 0));
      ctx.progress(0.05 + 0.8 * (pct / 100), video.status === 'queued' ? 'Waiting in the video server’s queue' : `Generating on the video server (${Math.round(pct)}%)`);
      if (Date.now() - started > GIVE_UP_MS) throw new Error(`The video server has not finished ${video.id} after ${GIVE_UP_MS / 60_000} minutes.`);
      await sleep(POLL_MS, undefined, { signal: ctx.signal });
      video = await client.videos.retrieve(video.id, { signal: ctx.signal });
    }
    if (video.status !== 'completed') {
      throw new PermanentJobError(`The video server could not make the video: ${video.error?.message ?? `status ${video.status}, no reason given`}`);
    }

    ctx.progress(0.86, 'Downloading the video');
    const file = path.join(ctx.workDir, 'generated.mp4');
    const content = await client.videos.downloadContent(video.id, {}, { signal: ctx.signal });
    if (!content.body) throw new Error('The video server sent no content.');
    await pipeline(Readable.fromWeb(content.body as WebReadableStream), createWriteStream(file), { signal: ctx.signal });

    ctx.progress(0.92, 'Checking the video');
    const probe = await probeMedia(file).catch((e: Error) => {
      throw new PermanentJobError(`The video server's content is not a video ffprobe can read: ${e.message.split('\n')[0]}`);
    });
    if (!probe.video || !probe.duration) throw new PermanentJobError('The video server’s content has no video stream.');
    if (Math.abs(probe.duration - job.seconds) > LENGTH_TOLERANCE_SECONDS) {
      throw new PermanentJobError(`The video server made ${probe.duration.toFixed(1)} s of video; ${job.seconds} s were asked for (and paid).`);
    }
    ctx.progress(0.95, 'Storing the new asset');
    const stored = await ctx.upload('generated.mp4', file, 'video/mp4', { duration: probe.duration, width: probe.video.width, height: probe.video.height });
    ctx.progress(1, 'Done');
    return { file: stored, serverVideoId: video.id };
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status && e.status < 500 && e.status !== 429) {
      throw new PermanentJobError(`The video server refused: HTTP ${e.status} ${e.message}`);
    }
    throw e;
  }
};
