import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CHANNEL_LIVE } from '../src/lib/live';
import { VIDEO_GENERATION_JOB } from '../src/lib/video-generation';
import { videoGenerationJob } from './ai/video-generation';
import { DJ_INTRO } from '../src/lib/dj';
import { djIntroJob } from './dj/dj-intro';
import { channelLiveJob } from './live/live-job';
import { LISTING_RENDER_JOB } from '../src/lib/listing-video';
import { listingRenderJob } from './listing/listing-job';
import { mediaProcessJob } from './media/media-job';
import { musicGenerateJob } from './music/music-job';
import { PHOTO_ANALYZE_JOB, PHOTO_ENHANCE_JOB } from '../src/lib/photo-analysis';
import { photoEnhanceJob } from './photo/enhance-job';
import { photoAnalyzeJob } from './photo/photo-job';
import { MUSIC_GENERATE } from '../src/lib/generator';
import { timelineRenderJob } from './render/render-job';
import { echoJob, sleepJob } from './system/system-jobs';
import { toolCaptionsJob } from './tool/captions';
import { toolCleanupJob } from './tool/cleanup';
import { toolColorJob } from './tool/color';
import { toolDenoiseJob } from './tool/denoise';
import { toolScenesJob } from './tool/scenes';
import { toolSilenceJob } from './tool/silence';
import { toolSpeechJob } from './tool/speech';
import { toolStabilizeJob } from './tool/stabilize';
import { toolUpscaleJob } from './tool/upscale';
import { stagingRenderJob } from './staging/staging-job';
import { STAGING_RENDER } from '../src/lib/staging/staging-job';
import type { JobHandler } from './worker-client';

/** Both tools are on the PATH: looked up rather than run, since running them costs a worker start ~0.5–1 s on a busy box. */
function hasFfmpeg(): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const found = (tool: string) =>
    dirs.some((d) => {
      try {
        accessSync(path.join(d, tool), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  return found('ffmpeg') && found('ffprobe');
}

/** The job types this machine can run: a worker announces only what its tools allow. */
export function availableHandlers(log: (msg: string) => void): Record<string, JobHandler> {
  // Need no ffmpeg: sharp decodes, tfjs (wasm) detects and upscales, and sharp composites the staging board (or marks
  // what a staging provider made).
  const handlers: Record<string, JobHandler> = {
    'system.echo': echoJob,
    'system.sleep': sleepJob,
    [PHOTO_ANALYZE_JOB]: photoAnalyzeJob,
    [PHOTO_ENHANCE_JOB]: photoEnhanceJob,
    [STAGING_RENDER]: stagingRenderJob
  };
  if (hasFfmpeg()) {
    handlers['media.process'] = mediaProcessJob;
    handlers['timeline.render'] = timelineRenderJob;
    handlers['tool.cleanup'] = toolCleanupJob;
    handlers['tool.silence'] = toolSilenceJob;
    handlers['tool.scenes'] = toolScenesJob;
    handlers['tool.stabilize'] = toolStabilizeJob;
    handlers['tool.denoise'] = toolDenoiseJob;
    handlers['tool.color'] = toolColorJob;
    handlers['tool.upscale'] = toolUpscaleJob;
    handlers['tool.captions'] = toolCaptionsJob;
    handlers['tool.speech'] = toolSpeechJob;
    // The server generates; ffmpeg fits a source image and ffprobe checks what comes back.
    handlers[VIDEO_GENERATION_JOB] = videoGenerationJob;
    handlers[MUSIC_GENERATE] = musicGenerateJob;
    // Writes and voices (espeak-ng, flite, festival or a speech service; ffmpeg resamples).
    handlers[DJ_INTRO] = djIntroJob;
    // Frames composed here (sharp, raw yuv), encoded by ffmpeg's x264.
    handlers[LISTING_RENDER_JOB] = listingRenderJob;
    // Runs beside the worker's --concurrency slots (the gateway gives live jobs a slot of their own).
    handlers[CHANNEL_LIVE] = channelLiveJob;
  } else {
    log('ffmpeg/ffprobe not found: not taking media.process, timeline.render, tool.*, ai.video, music.generate, dj.intro, listing.render or channel.live jobs (apt-get install ffmpeg)');
  }
  return handlers;
}
