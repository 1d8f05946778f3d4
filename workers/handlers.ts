import { execFileSync } from 'node:child_process';
import { mediaProcessJob } from './media/media-job';
import { timelineRenderJob } from './render/render-job';
import { echoJob, sleepJob } from './system/system-jobs';
import type { JobHandler } from './worker-client';

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The job types this machine can run: a worker announces only what its tools allow. */
export function availableHandlers(log: (msg: string) => void): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = { 'system.echo': echoJob, 'system.sleep': sleepJob };
  if (hasFfmpeg()) {
    handlers['media.process'] = mediaProcessJob;
    handlers['timeline.render'] = timelineRenderJob;
  } else {
    log('ffmpeg/ffprobe not found: not taking media.process or timeline.render jobs (apt-get install ffmpeg)');
  }
  return handlers;
}
