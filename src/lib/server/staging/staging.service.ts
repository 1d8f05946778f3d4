import { z } from 'zod';
import { canEdit } from '$lib/editor/model/role';
import { SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { setStagedAsset } from '$lib/editor/model/brief/operations';
import type { JobJson } from '$lib/job';
import { cutoutUrlKey, STAGING_PROVIDER_NOT_CONFIGURED, STAGING_RENDER, stagingRenderInput, type StagingResult } from '$lib/staging/staging-job';
import type { AssetRepository } from '../asset/asset.repository';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';
import type { ProvidersService } from '../ai/providers.service';
import { kitItemPath, type DesignKitService } from '../design-kit/design-kit.service';
import { SECONDS_PER_PHOTO } from '../photo/photo-analysis.service';

const workerResult = z.object({
  file: z.object({
    name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    mime: z.literal('image/jpeg'),
    meta: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).passthrough()
  })
});

/** Provider prompt when the person gives none: the brief's own staging instruction speaks. */
const DEFAULT_PROMPT = 'Virtually stage this empty room with tasteful, realistic furniture. Keep walls, windows, floor and camera unchanged.';

/**
 * A brief photo's staged copy as a `staging.render` job: from the staging board's placements, or by the project's
 * staging provider. The result is a new library image with the "Virtually staged" mark, set as the photo's staged copy
 * (the original stays as it was, linked from the photo).
 */
export class StagingService {
  constructor(
    private readonly projects: ProjectService,
    private readonly docs: DocRegistry,
    private readonly assetRows: AssetRepository,
    private readonly assets: AssetService,
    private readonly jobs: JobService,
    private readonly signer: UrlSigner,
    private readonly providers: ProvidersService,
    private readonly kits: DesignKitService
  ) {
    jobs.registerKind(STAGING_RENDER, { urls: (job) => this.handout(job), succeeded: (job, raw) => this.applyResult(job, raw) });
  }

  /** Whether "Stage with provider" can run, for the board. */
  async providerConfigured(user: UserRow, projectId: string): Promise<boolean> {
    await this.projects.requireRole(user.id, projectId);
    return (await this.providers.stagingFor(projectId)) !== null;
  }

  /** Renders the board of one photo. */
  async render(user: UserRow, projectId: string, photoId: string): Promise<JobJson> {
    const { photo } = await this.photoFor(user, projectId, photoId);
    const placements = photo.placements;
    if (placements.length === 0) throw new ApiError(409, 'board_empty', 'The staging board of this photo is empty: place cut-outs from a design kit first.');
    const cutouts = await this.kits.cutoutsFor(projectId, placements.map((p) => p.cutoutId));
    const missing = placements.filter((p) => !cutouts.has(p.cutoutId));
    if (missing.length) throw new ApiError(409, 'cutout_missing', `${missing.length} cut-out(s) on the board are no longer in a design kit of this project: remove them from the board first.`);
    const { job } = await this.jobs.enqueue(projectId, { type: STAGING_RENDER, input: { method: 'board', photoId, roomAssetId: photo.assetId, placements }, createdBy: user.id, maxAttempts: 2, contentSeconds: SECONDS_PER_PHOTO });
    return job;
  }

  /** Asks the project's staging provider for the staged copy (prompt: the person's, else the brief's instruction). */
  async stageWithProvider(user: UserRow, projectId: string, photoId: string, prompt: string | undefined): Promise<JobJson> {
    const { photo } = await this.photoFor(user, projectId, photoId);
    const server = await this.providers.stagingFor(projectId);
    if (!server) throw new ApiError(409, 'staging_provider_not_configured', STAGING_PROVIDER_NOT_CONFIGURED);
    const style = photo.style ? ` Style: ${photo.style}.` : '';
    const notes = photo.notes ? ` Notes: ${photo.notes}` : '';
    const input = { method: 'provider' as const, photoId, roomAssetId: photo.assetId, prompt: prompt || `${DEFAULT_PROMPT}${style}${notes}`, model: server.model };
    const { job } = await this.jobs.enqueue(projectId, { type: STAGING_RENDER, input, createdBy: user.id, maxAttempts: 2, contentSeconds: SECONDS_PER_PHOTO });
    return job;
  }

  private async photoFor(user: UserRow, projectId: string, photoId: string) {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot render staged photos: they make new assets. Ask the owner for the editor role.');
    const doc = await this.docs.copyOf(projectId);
    try {
      const brief = new ProjectDoc(doc).brief;
      const photo = brief.photos.get(photoId);
      if (!photo) throw notFound('No photo with that id in the brief.');
      const room = await this.assetRows.findById(photo.assetId);
      if (!room || room.project_id !== projectId || room.kind !== 'image') throw new ApiError(409, 'photo_missing', 'The photo’s picture is no longer in the library.');
      const placements = brief.staging().placements.filter((p) => p.photoId === photoId);
      return { photo: { assetId: photo.assetId, placements, style: photo.staging.style, notes: photo.staging.notes } };
    } finally {
      doc.destroy();
    }
  }

  /** Signed URLs for the room photo and each cut-out; the provider's URL and key go to the worker only, never into the job input. */
  private async handout(job: JobJson): Promise<Record<string, string>> {
    const input = stagingRenderInput.parse(job.input);
    const urls: Record<string, string> = { room: this.signer.sign(`/api/assets/${input.roomAssetId}/file`) };
    if (input.method === 'board') {
      const cutouts = await this.kits.cutoutsFor(job.projectId, input.placements.map((p) => p.cutoutId));
      for (const p of input.placements) {
        const item = cutouts.get(p.cutoutId);
        if (!item) throw new Error('a cut-out on the board was removed from its kit');
        urls[cutoutUrlKey(p.cutoutId)] = this.signer.sign(kitItemPath(job.projectId, item.kit_id, item.id));
      }
    } else {
      const server = await this.providers.stagingFor(job.projectId);
      if (!server) throw new Error('the project no longer has a staging provider (AI providers › Staging)');
      urls.stagingBaseUrl = server.baseUrl;
      if (server.apiKey) urls.stagingKey = server.apiKey;
    }
    return urls;
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<StagingResult> {
    const { file } = workerResult.parse(raw);
    const input = stagingRenderInput.parse(job.input);
    const room = await this.assetRows.findById(input.roomAssetId);
    if (!room) throw new Error('the room photo was deleted while staging ran');
    const asset = await this.assets.addToolOutput(room, {
      createdBy: job.createdBy,
      sha256: file.sha256,
      bytes: file.bytes,
      mime: file.mime,
      tool: input.method === 'board' ? 'staging board' : `staging provider (${input.model})`,
      label: 'virtually staged',
      extension: 'jpg',
      duration: null,
      width: file.meta.width,
      height: file.meta.height
    });
    await this.docs.edit(job.projectId, SERVER_ORIGIN, (pd) => {
      const r = setStagedAsset(pd.brief.snapshot(), { photoId: input.photoId, assetId: asset.id });
      if (r.ok) pd.brief.apply(r.changes);
    });
    return { assetId: asset.id, photoId: input.photoId };
  }
}
