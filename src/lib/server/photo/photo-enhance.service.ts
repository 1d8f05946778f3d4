import { z } from 'zod';
import { setEnhanced } from '$lib/editor/model/brief/operations';
import type { JobJson } from '$lib/job';
import { PHOTO_ENHANCE_JOB, type PhotoEnhanceInput, type PhotoEnhanceResult } from '$lib/photo-analysis';
import type { AssetRepository } from '../asset/asset.repository';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { BriefService } from '../brief/brief.service';
import type { DocRegistry } from '../yjs/doc-registry';
import { ANALYSIS_ORIGIN, SECONDS_PER_PHOTO } from './photo-analysis.service';

/** What the enhance worker answers; checked before anything is added to the library. */
const workerResult = z.object({
  file: z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), mime: z.literal('image/jpeg') }).passthrough(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  steps: z.array(z.string().max(300)).max(10)
});

/**
 * "Enhance" for brief photos: one `photo.enhance` job a photo; the copy joins the library as a new image (the
 * original kept) and every brief photo showing the original points at it (`enhancedAssetId`).
 */
export class PhotoEnhanceService {
  constructor(
    private readonly briefs: BriefService,
    private readonly assetRows: AssetRepository,
    private readonly assets: AssetService,
    private readonly docs: DocRegistry,
    private readonly jobs: JobService,
    signer: UrlSigner
  ) {
    jobs.registerKind(PHOTO_ENHANCE_JOB, {
      urls: async (job) => {
        const id = (job.input as PhotoEnhanceInput).assetId;
        const row = await this.assetRows.findById(id);
        if (!row || row.project_id !== job.projectId) throw new Error('the photo was deleted from the library');
        return { source: signer.sign(`/api/assets/${id}/file`) };
      },
      succeeded: (job, raw) => this.applyResult(job, raw)
    });
  }

  /** Queues one job per distinct image among the brief photos named; refuses a viewer, unknown photos, none named. */
  async enhanceBrief(user: UserRow, projectId: string, photoIds: readonly string[]): Promise<JobJson[]> {
    const photos = await this.briefs.photosForEditor(user, projectId, 'Viewers cannot enhance photos: it adds images to the library. Ask the owner for the editor role.');
    const wanted = new Set(photoIds);
    const chosen = photos.filter((p) => wanted.has(p.id));
    if (chosen.length !== wanted.size) throw new ApiError(404, 'photo_not_found', 'A photo you named is not in the brief.');
    const assetIds = [...new Set(chosen.map((p) => p.assetId))];
    const rows = await this.assetRows.findByIds(projectId, assetIds);
    const ready = new Set(rows.filter((r) => r.kind === 'image' && r.processing === 'ready').map((r) => r.id));
    const missing = assetIds.filter((id) => !ready.has(id));
    if (missing.length) throw new ApiError(422, 'photo_not_ready', 'A photo you named is no longer in the library, or not processed yet: it cannot be enhanced.');
    const jobs: JobJson[] = [];
    for (const assetId of assetIds) {
      const input: PhotoEnhanceInput = { assetId };
      jobs.push((await this.jobs.enqueue(projectId, { type: PHOTO_ENHANCE_JOB, input, createdBy: user.id, maxAttempts: 2, contentSeconds: SECONDS_PER_PHOTO })).job);
    }
    return jobs;
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<PhotoEnhanceResult> {
    const result = workerResult.parse(raw);
    const sourceAssetId = (job.input as PhotoEnhanceInput).assetId;
    const source = await this.assetRows.findById(sourceAssetId);
    if (!source) throw new Error('the photo was deleted from the library while it was enhanced');
    const asset = await this.assets.addToolOutput(source, {
      createdBy: job.createdBy,
      sha256: result.file.sha256,
      bytes: result.file.bytes,
      mime: 'image/jpeg',
      tool: 'enhance',
      label: 'enhanced',
      extension: 'jpg',
      duration: null,
      width: result.width,
      height: result.height
    });
    await this.docs.edit(job.projectId, ANALYSIS_ORIGIN, (pd) => {
      const r = setEnhanced(pd.brief.snapshot(), { sourceAssetId, enhancedAssetId: asset.id });
      if (r.ok) pd.brief.apply(r.changes);
    });
    return { sourceAssetId, assetId: asset.id, width: result.width, height: result.height, steps: result.steps };
  }
}
