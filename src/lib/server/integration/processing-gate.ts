import { LISTING_RENDER_JOB, type ListingRenderInput } from '$lib/listing-video';
import { PHOTO_ANALYZE_JOB, type PhotoAnalyzeInput } from '$lib/photo-analysis';
import type { AssetRepository } from '../asset/asset.repository';
import { MEDIA_PROCESS } from '../asset/asset.service';
import type { JobRepository } from '../job/job.repository';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';

/** The longest an API job waits for its photos' processing; then it runs whatever their state. */
export const PROCESSING_HOLD_MS = 10 * 60_000;
const GATED_TYPES = [PHOTO_ANALYZE_JOB, LISTING_RENDER_JOB];

/** Every asset a gated job reads. */
function assetIdsOf(type: string, input: unknown): string[] {
  if (type === PHOTO_ANALYZE_JOB) return (input as PhotoAnalyzeInput).assetIds;
  const i = input as ListingRenderInput;
  return [...i.photos.flatMap((p) => [p.assetId, ...(p.stagedAssetId ? [p.stagedAssetId] : [])]), ...(i.musicAssetId ? [i.musicAssetId] : [])];
}

/**
 * Photos an API request just fetched are still being processed (media.process) when their analysis or render job is
 * queued, and those workers take only processed images: such a job is held (run_after in the future) and let go
 * when the last of its assets is processed (or failed), or after PROCESSING_HOLD_MS at the latest.
 */
export class ProcessingGate {
  constructor(
    private readonly jobs: JobService,
    private readonly jobRepository: JobRepository,
    private readonly assets: AssetRepository,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    jobs.onEvent(({ job, change }) => {
      if (job.type === MEDIA_PROCESS && (change === 'succeeded' || change === 'failed' || change === 'canceled')) void this.releaseReady(job.projectId);
    });
  }

  /** When a job reading these assets may start: now (undefined) if they are all processed, else held. */
  async runAfter(projectId: string, assetIds: string[]): Promise<number | undefined> {
    return (await this.settled(projectId, assetIds)) ? undefined : this.now() + PROCESSING_HOLD_MS;
  }

  /** Lets go of the project's held jobs whose assets are all processed. */
  async releaseReady(projectId: string): Promise<void> {
    try {
      const held = await this.jobRepository.held(projectId, GATED_TYPES, this.now());
      const ready = [];
      for (const job of held) if (await this.settled(projectId, assetIdsOf(job.type, JSON.parse(job.input ?? 'null')))) ready.push(job.id);
      await this.jobRepository.runNow(ready, this.now());
    } catch (e) {
      this.logger.error({ err: e, projectId }, 'releasing jobs held for processing failed');
    }
  }

  private async settled(projectId: string, assetIds: string[]): Promise<boolean> {
    const rows = await this.assets.findByIds(projectId, [...new Set(assetIds)]);
    return rows.every((r) => r.processing === 'ready' || r.processing === 'failed');
  }
}
