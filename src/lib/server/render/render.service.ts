import * as Y from 'yjs';
import { z } from 'zod';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { JobJson } from '$lib/job';
import type { TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { HLS_VARIANT_PREFIX, RENDER_PRESET_NAMES, TIMELINE_RENDER, type RenderPreset } from '$lib/render';
import { latestSpeech, SPEECH_PAGE, toolJobType, type TimeRange } from '$lib/tool';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';

export const startRenderSchema = z
  .object({
    preset: z.enum(RENDER_PRESET_NAMES as [RenderPreset, ...RenderPreset[]], { error: `preset must be one of ${RENDER_PRESET_NAMES.join(', ')}` }).default('mp4-1080p'),
    range: z
      .object({ start: z.number().nonnegative('range.start must be 0 or more'), end: z.number().positive('range.end must be after 0') })
      .strict()
      .refine((r) => r.end > r.start, 'range.end must be after range.start')
      .optional(),
    /** Also the HLS ladder for publishing (HLS_RENDITIONS), as variants of the render asset. */
    hls: z.boolean({ error: 'hls must be true or false' }).default(false)
  })
  .strict();

const fileRef = z.object({
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  mime: z.string(),
  meta: z.record(z.string(), z.unknown()).optional()
});
const renderResult = z.object({
  file: fileRef.extend({ bytes: z.number().int().positive() }),
  hls: z.array(fileRef.extend({ name: z.string().regex(new RegExp(`^${HLS_VARIANT_PREFIX}[a-z0-9._-]{0,60}$`)) })).default([]),
  duration: z.number().positive()
});

export interface RenderInput {
  snapshot: TimelineSnapshot;
  preset: RenderPreset;
  range?: { start: number; end: number };
  hls: boolean;
  /**
   * What the worker needs to know of each source before it downloads it; `speech` (where speech detection heard
   * speech) only for the voice tracks' media when a track ducks under speech, null where detection has not run.
   */
  assets: Record<string, { duration: number; hasVideo: boolean; hasAudio: boolean; width: number | null; height: number | null; speech?: TimeRange[] | null }>;
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
          height: typeof meta.height === 'number' ? meta.height : null,
          variants: result.hls
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
    // The cut ends where its last clip does; a range may end on that frame, not after it.
    const end = Math.max(...snapshot.clips.map((c) => c.start + (c.out - c.in) / (c.speed > 0 ? c.speed : 1)));
    if (body.range) {
      const slack = 1 / Math.max(1, snapshot.settings.fps);
      const cut = `${Math.round(end * 100) / 100} s`;
      if (body.range.start >= end) throw new ApiError(400, 'range_out_of_bounds', `range.start is past the end of the cut (${cut}).`);
      if (body.range.end > end + slack) throw new ApiError(400, 'range_out_of_bounds', `range.end is past the end of the cut (${cut}): end the range at ${cut} at most.`);
    }
    const rows = await this.assets.forRender(projectId, assetIds);
    const assets: RenderInput['assets'] = {};
    for (const r of rows) {
      const probe = (r.probe ? JSON.parse(r.probe) : null) as { video?: unknown; audio?: unknown } | null;
      assets[r.id] = { duration: r.duration ?? 0, hasVideo: r.kind === 'image' || (r.kind !== 'audio' && !!probe?.video), hasAudio: !!probe?.audio, width: r.width, height: r.height };
    }
    const voices = new Set(snapshot.tracks.flatMap((t) => (t.ducking?.mode === 'speech' ? [t.ducking.byTrackId] : [])));
    const spoken = [...new Set(snapshot.clips.flatMap((c) => (c.assetId && voices.has(c.trackId) && assets[c.assetId]?.hasAudio ? [c.assetId] : [])))];
    if (spoken.length) {
      const speech = await latestSpeech(spoken, (before) => this.jobs.list(user, projectId, { type: toolJobType('speech'), status: 'succeeded', limit: SPEECH_PAGE, before }));
      for (const id of spoken) assets[id]!.speech = speech[id] ?? null;
    }
    const input: RenderInput = {
      snapshot,
      preset: body.preset,
      range: body.range,
      hls: body.hls,
      assets,
      docVersion: Buffer.from(Y.encodeStateVector(doc)).toString('base64'),
      title: `${project.name} — ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`
    };
    doc.destroy();
    // Charged for what it renders: the range, or the whole cut.
    const contentSeconds = body.range ? Math.min(body.range.end, end) - body.range.start : end;
    const { job } = await this.jobs.enqueue(projectId, { type: TIMELINE_RENDER, input, createdBy: user.id, maxAttempts: 2, contentSeconds });
    return job;
  }
}
