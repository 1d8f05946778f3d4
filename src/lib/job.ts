/** Jobs as the API, the studio and the worker protocol see them. */
import { PHOTO_ANALYZE_JOB, PHOTO_ENHANCE_JOB } from './photo-analysis';
import { LISTING_RENDER_JOB } from './listing-video';
import { TOOL_LABELS, TOOLS, toolJobType } from './tool';
import { DJ_INTRO } from './dj';
import { MUSIC_GENERATE } from './generator';
import { VIDEO_GENERATION_JOB } from './video-generation';
import { STAGING_RENDER } from './staging/staging-job';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const isFinished = (s: JobStatus) => s === 'succeeded' || s === 'failed' || s === 'canceled';

export interface JobJson {
  id: string;
  projectId: string;
  type: string;
  status: JobStatus;
  input: unknown;
  result: unknown;
  error: string | null;
  /** 0..1 */
  progress: number;
  progressMessage: string | null;
  attempts: number;
  maxAttempts: number;
  priority: number;
  /** Not before this time (ms since epoch): the backoff after a failed attempt. */
  runAfter: number;
  idempotencyKey: string | null;
  /** Who started it (null for the system): viewers may cancel or retry only their own jobs. */
  createdBy: string | null;
  /** The worker holding the job while it runs. */
  worker: string | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  updatedAt: number;
}

/** What a job type means to people, for the jobs panel. */
export const JOB_TYPE_LABELS: Record<string, string> = {
  'media.process': 'Processing upload',
  'timeline.render': 'Rendering the cut',
  [VIDEO_GENERATION_JOB]: 'Generating video',
  [MUSIC_GENERATE]: 'Generating music',
  [DJ_INTRO]: 'Writing a DJ intro',
  [PHOTO_ANALYZE_JOB]: 'Analysing photos',
  [PHOTO_ENHANCE_JOB]: 'Enhancing a photo',
  [STAGING_RENDER]: 'Staging a photo',
  [LISTING_RENDER_JOB]: 'Rendering listing videos',
  ...Object.fromEntries(TOOLS.map((t) => [toolJobType(t), TOOL_LABELS[t].job])),
  'system.echo': 'Echo (diagnostic)',
  'system.sleep': 'Sleep (diagnostic)'
};
