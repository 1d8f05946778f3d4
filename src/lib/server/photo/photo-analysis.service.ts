import { z } from 'zod';
import { writeAnalysis } from '$lib/editor/model/brief/operations';
import { ROOM_TYPES, SETTINGS } from '$lib/editor/model/brief/snapshot';
import type { ServiceOrigin } from '$lib/editor/model/origin';
import type { JobJson } from '$lib/job';
import { MAX_PHOTOS_PER_ANALYSIS, PHOTO_ANALYZE_JOB, photoAnalyzeInput, type PhotoAnalyzeInput, type PhotoAnalyzeResult } from '$lib/photo-analysis';
import type { AssetRepository } from '../asset/asset.repository';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { BriefService } from '../brief/brief.service';
import type { DocRegistry } from '../yjs/doc-registry';

/** Analysis results land in the brief under this origin: no person's undo stack takes them. */
export const ANALYSIS_ORIGIN: ServiceOrigin = Object.freeze({ kind: 'worker', name: 'photo-analysis' });

/** Credits count minutes of content; each photo analysed is charged as one minute. */
export const SECONDS_PER_PHOTO = 60;

/** The worker names each photo's URL so (workers/photo/photo-job.ts reads the same key). */
const urlKey = (assetId: string) => `photo-${assetId}`;

const unit = z.number().min(0).max(1);
const detected = <T extends readonly [string, ...string[]]>(values: T) => z.object({ value: z.enum(values), confidence: unit }).nullable();
/** What a worker answers; checked before anything is written into a brief. */
const workerResult = z.object({
  photos: z
    .array(
      z
        .object({
          assetId: z.string().max(64),
          width: z.number().int().positive(),
          height: z.number().int().positive(),
          quality: z.object({ score: z.number().min(0).max(100), reasons: z.array(z.string().max(200)).max(20), measures: z.record(z.string(), z.number()) }),
          setting: detected(SETTINGS),
          room: detected(ROOM_TYPES),
          objects: z.array(z.object({ label: z.string().max(40), score: unit, box: z.tuple([unit, unit, unit, unit]) })).max(100),
          focus: z.object({ x: unit, y: unit }),
          classifier: z.string().max(200)
        })
        .passthrough()
    )
    .max(MAX_PHOTOS_PER_ANALYSIS),
  failed: z.array(z.object({ assetId: z.string().max(64), error: z.string().max(1000) })).max(MAX_PHOTOS_PER_ANALYSIS)
});

/**
 * Photo analysis as jobs (`photo.analyze`, a batch of photos each): queued for a brief's photos from the studio, or
 * with any input by the integration API (`enqueue`); the results are written into the brief as the job succeeds.
 */
export class PhotoAnalysisService {
  constructor(
    private readonly briefs: BriefService,
    private readonly assetRows: AssetRepository,
    private readonly docs: DocRegistry,
    private readonly jobs: JobService,
    signer: UrlSigner
  ) {
    jobs.registerKind(PHOTO_ANALYZE_JOB, {
      // Only the project's processed images get a URL: the worker reports the others as failed.
      urls: async (job) => {
        const { assetIds } = job.input as PhotoAnalyzeInput;
        const rows = await this.assetRows.findByIds(job.projectId, [...new Set(assetIds)]);
        return Object.fromEntries(rows.filter((r) => r.kind === 'image' && r.processing === 'ready').map((r) => [urlKey(r.id), signer.sign(`/api/assets/${r.id}/file`)]));
      },
      succeeded: (job, raw) => this.applyResult(job, raw)
    });
  }

  /** Queues one job for up to MAX_PHOTOS_PER_ANALYSIS images of the project (no access check: the caller made it). */
  /** `runAfter`: held until then (the integration API holds jobs whose photos it just fetched until they are processed). */
  async enqueue(projectId: string, input: PhotoAnalyzeInput, createdBy: string | null, idempotencyKey?: string | null, runAfter?: number): Promise<JobJson> {
    const parsed = photoAnalyzeInput.parse(input);
    const { job } = await this.jobs.enqueue(projectId, {
      type: PHOTO_ANALYZE_JOB,
      input: parsed,
      createdBy,
      maxAttempts: 2,
      idempotencyKey: idempotencyKey ?? null,
      runAfter,
      contentSeconds: SECONDS_PER_PHOTO * new Set(parsed.assetIds).size
    });
    return job;
  }

  /**
   * The studio's "Analyze photos": the brief's photos named (all when none are), in batches of at most
   * MAX_PHOTOS_PER_ANALYSIS, each a job that writes its results into the brief.
   */
  async analyzeBrief(user: UserRow, projectId: string, photoIds: readonly string[] | undefined): Promise<JobJson[]> {
    let photos = await this.briefs.photosForEditor(user, projectId, 'Viewers cannot analyse photos: the results are written into the brief. Ask the owner for the editor role.');
    if (photoIds) {
      const known = new Set(photos.map((p) => p.id));
      const missing = photoIds.filter((id) => !known.has(id));
      if (missing.length) throw new ApiError(404, 'photo_not_found', `${missing.length === 1 ? 'A photo' : `${missing.length} photos`} you named ${missing.length === 1 ? 'is' : 'are'} not in the brief: ${missing.slice(0, 3).join(', ')}.`);
      const wanted = new Set(photoIds);
      photos = photos.filter((p) => wanted.has(p.id));
    }
    const assetIds = [...new Set(photos.map((p) => p.assetId))];
    if (assetIds.length === 0) throw new ApiError(422, 'no_photos', 'The brief has no photos to analyse: add photos from the library first.');
    const jobs: JobJson[] = [];
    for (let i = 0; i < assetIds.length; i += MAX_PHOTOS_PER_ANALYSIS) {
      jobs.push(await this.enqueue(projectId, { assetIds: assetIds.slice(i, i + MAX_PHOTOS_PER_ANALYSIS), writeToBrief: true }, user.id));
    }
    return jobs;
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<PhotoAnalyzeResult> {
    const result = workerResult.parse(raw) as unknown as PhotoAnalyzeResult;
    const asked = new Set((job.input as PhotoAnalyzeInput).assetIds);
    result.photos = result.photos.filter((p) => asked.has(p.assetId));
    if ((job.input as PhotoAnalyzeInput).writeToBrief !== false && result.photos.length > 0) {
      const findings = result.photos.map((p) => ({ assetId: p.assetId, quality: { score: p.quality.score, reasons: p.quality.reasons }, focus: p.focus, room: p.room, setting: p.setting }));
      await this.docs.edit(job.projectId, ANALYSIS_ORIGIN, (pd) => {
        const r = writeAnalysis(pd.brief.snapshot(), { findings });
        if (!r.ok) throw new Error(`the results could not be written into the brief: ${r.reason}`);
        pd.brief.apply(r.changes);
      });
    }
    return result;
  }
}
