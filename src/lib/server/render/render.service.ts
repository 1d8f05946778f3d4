import * as Y from 'yjs';
import { z } from 'zod';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { JobJson } from '$lib/job';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { RENDER_PRESET_NAMES, TIMELINE_RENDER, type RenderPreset } from '$lib/render';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';

export const startRenderSchema = z.object({
  preset: z.enum(RENDER_PRESET_NAMES as [RenderPreset, ...RenderPreset[]], { error: `preset must be one of ${RENDER_PRESET_NAMES.join(', ')}` }).default('mp4-1080p'),
  range: z
    .object({ start: z.number().nonnegative(), end: z.number().positive() })
    .refine((r) => r.end > r.start, 'range.end must be after range.start')
    .optional()
});

const renderResult = z.object({
  file: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), mime: z.string(), meta: z.record(z.string(), z.unknown()).optional() }),
  duration: z.number().positive()
});

export interface RenderInput {
  snapshot: TimelineSnapshot;
  preset: RenderPreset;
  range?: { start: number; end: number };
  /** What the worker needs to know of each source before it downloads it. */
  assets: Record<string, { duration: number; hasVideo: boolean; hasAudio: boolean; width: number | null; height: number | null }>;
  /** Yjs state vector (base64) of the document the snapshot was taken from. */
  docVersion: string;
  title: string;
}

/** Server renders of a project's timeline: a snapshot of the document becomes a `timeline.render` job. */
export class RenderService {
  constructor(
    private readonly projects: ProjectService,
    private readonly docs: DocRegistry,
    private readonly assets: AssetService,
    private readonly jobs: JobService,
    signer: UrlSigner
  ) {
    jobs.registerKind(TIMELINE_RENDER, {
      urls: (job) => Object.fromEntries(Object.keys((job.input as RenderInput).assets).map((id) => [`asset:${id}`, signer.sign(`/api/assets/${id}/file`)])),
      succeeded: async (job, raw) => {
        const result = renderResult.parse(raw);
        const input = job.input as RenderInput;
        const meta = result.file.meta ?? {};
        const asset = await this.assets.addRender({
          projectId: job.projectId,
          createdBy: (job as JobJson).createdBy,
          sha256: result.file.sha256,
          bytes: result.file.bytes,
          title: input.title,
          renderJobId: job.id,
          docVersion: input.docVersion,
          duration: result.duration,
          width: typeof meta.width === 'number' ? meta.width : null,
          height: typeof meta.height === 'number' ? meta.height : null
        });
        return { ...result, assetId: asset.id };
      }
    });
  }

  async start(user: UserRow, projectId: string, body: z.infer<typeof startRenderSchema>): Promise<JobJson> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot start renders: ask the owner for the editor role.');
    const project = await this.projects.get(user, projectId);
    const doc = await this.docs.copyOf(projectId);
    const snapshot: TimelineSnapshot = new ProjectDoc(doc).timeline.snapshot();
    const assetIds = [...new Set(snapshot.clips.flatMap((c) => (c.assetId ? [c.assetId] : [])))];
    if (!snapshot.clips.length) throw new ApiError(400, 'empty_timeline', 'The timeline is empty: add clips before rendering.');
    const rows = await this.assets.forRender(projectId, assetIds);
    const assets: RenderInput['assets'] = {};
    for (const r of rows) {
      const probe = (r.probe ? JSON.parse(r.probe) : null) as { video?: unknown; audio?: unknown } | null;
      assets[r.id] = { duration: r.duration ?? 0, hasVideo: r.kind !== 'audio' && !!probe?.video, hasAudio: !!probe?.audio, width: r.width, height: r.height };
    }
    const input: RenderInput = {
      snapshot,
      preset: body.preset,
      range: body.range,
      assets,
      docVersion: Buffer.from(Y.encodeStateVector(doc)).toString('base64'),
      title: `${project.name} — ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`
    };
    doc.destroy();
    const { job } = await this.jobs.enqueue(projectId, { type: TIMELINE_RENDER, input, createdBy: user.id, maxAttempts: 2 });
    return job;
  }
}
