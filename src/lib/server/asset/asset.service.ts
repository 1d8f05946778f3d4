import fs from 'node:fs/promises';
import { z } from 'zod';
import { canEdit, canManage, type Role } from '$lib/editor/model/role';
import { newId } from '$lib/editor/model/ids';
import type { AssetJson, AssetKind, AssetStatus, VariantJson } from '$lib/asset';
import type { JobJson } from '$lib/job';
import { CAPTION_VARIANT_NAMES } from '$lib/captions';
import { HLS_MASTER_VARIANT, HLS_VARIANT_PREFIX } from '$lib/render';
import type { AssetRow, AssetVariantRow, UserRow } from '../db/schema';
import { ApiError, badRequest, forbidden, notFound } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import type { BlobStorage } from '../storage/storage';
import type { AssetListFilter, AssetPatch, AssetRepository } from './asset.repository';
import { displayName, titleFromName } from './file-name';
import { inspectMedia, MediaRejected, type MediaLimits } from './media-inspect';
import type { UrlSigner } from './signed-url';

export const MEDIA_PROCESS = 'media.process';

export type AssetEvent = { type: 'changed'; projectId: string; asset: AssetJson } | { type: 'deleted'; projectId: string; assetId: string };

export interface IngestInput {
  projectId: string;
  user: UserRow;
  /** A finished upload on the store's filesystem; moved into the store or removed. */
  file: string;
  /** The named object holding the same bytes (an upload in the bucket): moved to its content address instead of uploading `file` again. */
  stored?: string;
  sha256: string;
  bytes: number;
  originalName: string | null | undefined;
  meta?: Partial<Pick<AssetRow, 'title' | 'artist' | 'description' | 'category'>> & { tags?: string[] };
}

const variantResult = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  mime: z.string().max(100),
  meta: z.record(z.string(), z.unknown()).optional()
});
const processResult = z.object({
  probe: z.unknown(),
  duration: z.number().nonnegative().nullable(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  variants: z.array(variantResult).max(20)
});

const tagsOf = (row: AssetRow): string[] => {
  try {
    const t = JSON.parse(row.tags);
    return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

const isRenderVariant = (name: string) => name === HLS_MASTER_VARIANT || name.startsWith(`${HLS_VARIANT_PREFIX}-`);
/** Variants other jobs made (a render's HLS ladder, the captions tool's files): processing the asset again keeps them. */
const isKeptVariant = (name: string) => isRenderVariant(name) || CAPTION_VARIANT_NAMES.includes(name);

export function normalizeTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase().replace(/\s+/g, ' ')).filter((t) => t.length > 0 && t.length <= 40))].slice(0, 50);
}

/** The media library: ingest validated uploads, moderation, metadata, variants from the processing job. */
export class AssetService {
  private readonly listeners = new Set<(e: AssetEvent) => void>();

  constructor(
    private readonly assets: AssetRepository,
    private readonly projects: ProjectService,
    private readonly jobs: JobService,
    private readonly storage: BlobStorage,
    private readonly signer: UrlSigner,
    private readonly limits: MediaLimits,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    jobs.registerKind(MEDIA_PROCESS, {
      urls: async (job) => {
        const row = await this.assets.findById((job.input as { assetId: string }).assetId);
        if (!row) throw new Error('the asset was deleted');
        return { source: this.signer.sign(`/api/assets/${row.id}/file`) };
      },
      started: (job) => this.setProcessing(job, 'running', null),
      succeeded: (job, result) => this.applyProcessing(job, result),
      stopped: (job) => this.setProcessing(job, 'failed', job.status === 'canceled' ? 'Processing was canceled; retry it from the jobs panel.' : job.error)
    });
    jobs.onEvent(({ job, change }) => {
      if (job.type === MEDIA_PROCESS && (change === 'queued' || change === 'retrying')) void this.setProcessing(job, 'queued', change === 'retrying' ? job.error : null);
    });
  }

  onEvent(fn: (e: AssetEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async emitChanged(row: AssetRow | undefined): Promise<AssetJson | undefined> {
    if (!row) return undefined;
    const json = await this.toJson(row);
    for (const fn of this.listeners) fn({ type: 'changed', projectId: row.project_id, asset: json });
    return json;
  }

  // ---- JSON ----

  private variantJson(assetId: string, v: AssetVariantRow): VariantJson {
    let meta: Record<string, unknown> = {};
    try {
      meta = JSON.parse(v.meta);
    } catch {
      // Stored by us; an unreadable value is shown as empty rather than failing the whole list.
    }
    return { name: v.name, mime: v.mime, bytes: Number(v.bytes), sha256: v.sha256, meta, url: this.signer.sign(`/api/assets/${assetId}/variants/${v.name}`) };
  }

  private async toJsonMany(rows: AssetRow[]): Promise<AssetJson[]> {
    const variants = await this.assets.variants(rows.map((r) => r.id));
    return rows.map((r) => this.rowJson(r, variants.filter((v) => v.asset_id === r.id)));
  }

  private async toJson(row: AssetRow): Promise<AssetJson> {
    return (await this.toJsonMany([row]))[0];
  }

  private rowJson(r: AssetRow, variants: AssetVariantRow[]): AssetJson {
    let probe: unknown = null;
    try {
      probe = r.probe ? JSON.parse(r.probe) : null;
    } catch {
      probe = null;
    }
    return {
      id: r.id,
      projectId: r.project_id,
      kind: r.kind,
      status: r.status,
      rejectionReason: r.rejection_reason,
      sha256: r.sha256,
      bytes: Number(r.bytes),
      mime: r.mime,
      originalName: r.original_name,
      title: r.title,
      artist: r.artist,
      description: r.description,
      category: r.category,
      tags: tagsOf(r),
      duration: r.duration,
      width: r.width,
      height: r.height,
      processing: { state: r.processing, error: r.processing_error, jobId: r.processing_job_id },
      probe,
      variants: variants.map((v) => this.variantJson(r.id, v)),
      url: this.signer.sign(`/api/assets/${r.id}/file`),
      uploadedBy: r.uploaded_by,
      render: r.render_job_id ? { jobId: r.render_job_id, docVersion: r.doc_version ?? '' } : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at
    };
  }

  // ---- uploads ----

  /** Who may upload, and what status their upload gets: editors' are approved, viewers' wait (if allowed). */
  async uploadStatus(user: UserRow, projectId: string): Promise<AssetStatus> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (canEdit(role)) return 'approved';
    if (await this.projects.viewerUploadsAllowed(projectId)) return 'pending';
    throw forbidden('Viewers cannot upload to this project: the owner can allow viewer uploads (they then wait for approval).');
  }

  /** Validates a finished upload and adds it to the library (or answers the asset that already has its content). */
  async ingest(input: IngestInput): Promise<{ asset: AssetJson; duplicate: boolean }> {
    const removeUpload = () => fs.rm(input.file, { force: true });
    try {
      const status = await this.uploadStatus(input.user, input.projectId);
      const existing = await this.assets.findBySha(input.projectId, input.sha256);
      if (existing) {
        await removeUpload();
        return { asset: { ...(await this.toJson(existing)), duplicate: true }, duplicate: true };
      }
      const name = displayName(input.originalName);
      let media;
      try {
        media = await inspectMedia(input.file, this.limits, name);
      } catch (e) {
        if (e instanceof MediaRejected) throw new ApiError(e.status, e.code, e.message);
        throw e;
      }
      if (input.stored) await this.storage.adoptObject(input.stored, input.sha256, input.file);
      else await this.storage.adoptFile(input.file, input.sha256);
      const t = this.now();
      const { asset: row, created } = await this.assets.insert({
        id: newId(),
        project_id: input.projectId,
        kind: media.kind,
        status,
        rejection_reason: null,
        sha256: input.sha256,
        bytes: input.bytes,
        mime: media.mime,
        original_name: name,
        title: input.meta?.title?.trim() || titleFromName(name),
        artist: input.meta?.artist?.trim() ?? '',
        description: input.meta?.description?.trim() ?? '',
        category: input.meta?.category?.trim() ?? '',
        tags: JSON.stringify(normalizeTags(input.meta?.tags ?? [])),
        duration: media.duration,
        width: media.width,
        height: media.height,
        probe: null,
        processing: 'queued',
        processing_error: null,
        processing_job_id: null,
        uploaded_by: input.user.id,
        created_at: t,
        updated_at: t,
        render_job_id: null,
        doc_version: null
      });
      if (!created) return { asset: { ...(await this.toJson(row)), duplicate: true }, duplicate: true };
      const json = await this.process(row, input.user.id);
      this.logger.info({ assetId: row.id, projectId: row.project_id, kind: row.kind, bytes: row.bytes }, 'asset uploaded');
      return { asset: { ...json, duplicate: false }, duplicate: false };
    } catch (e) {
      await removeUpload();
      throw e;
    }
  }

  /** Queues the processing job of a new asset and announces the asset. */
  private async process(row: AssetRow, createdBy: string | null): Promise<AssetJson> {
    const { job } = await this.jobs.enqueue(row.project_id, {
      type: MEDIA_PROCESS,
      input: { assetId: row.id, kind: row.kind, sha256: row.sha256 },
      idempotencyKey: `${MEDIA_PROCESS}:${row.id}`,
      createdBy
    });
    const withJob = await this.assets.update(row.id, { processing_job_id: job.id } as Partial<AssetRow>, this.now());
    return (await this.emitChanged(withJob))!;
  }

  /**
   * A finished render joins the library (already in the store): approved, since only approved assets went into it,
   * and processed like an upload (proxy, poster, sprite). Rendering the same content again answers the first asset.
   */
  async addRender(r: {
    projectId: string;
    createdBy: string | null;
    sha256: string;
    bytes: number;
    title: string;
    renderJobId: string;
    docVersion: string;
    duration: number | null;
    width: number | null;
    height: number | null;
    /** Files the render made besides the MP4 (the HLS ladder), kept as variants that processing leaves alone. */
    variants?: { name: string; sha256: string; bytes: number; mime: string; meta?: Record<string, unknown> }[];
  }): Promise<AssetJson> {
    for (const sha of (r.variants ?? []).map((v) => v.sha256)) {
      if (!(await this.storage.has(sha))) throw new Error('a rendered file was not uploaded');
    }
    const { row, created } = await this.insertMade({
      projectId: r.projectId,
      createdBy: r.createdBy,
      sha256: r.sha256,
      bytes: r.bytes,
      kind: 'video',
      mime: 'video/mp4',
      status: 'approved',
      title: r.title,
      fileName: `${r.title}.mp4`,
      description: '',
      category: 'Render',
      tags: ['render'],
      duration: r.duration,
      width: r.width,
      height: r.height,
      render: { jobId: r.renderJobId, docVersion: r.docVersion }
    });
    // Before processing is queued, so its replaceVariants sees them; the same cut rendered again gains what it lacked.
    if (r.variants?.length) {
      const t = this.now();
      await this.assets.addVariants(r.variants.map((v) => ({ asset_id: row.id, name: v.name, sha256: v.sha256, bytes: v.bytes, mime: v.mime, meta: JSON.stringify(v.meta ?? {}), created_at: t })));
    }
    if (created) return this.process(row, r.createdBy);
    return r.variants?.length ? (await this.emitChanged(row))! : this.toJson(row);
  }

  /**
   * A media tool's new file joins the library beside its source (which is never changed), processed like an upload.
   * It waits for approval when its source does. The same output made again answers the first asset.
   */
  /**
   * A generated music chunk joins the library approved (an editor switched the channel's generator on) and is
   * processed like an upload, which makes its broadcast copy.
   */
  async addGenerated(g: { projectId: string; sha256: string; bytes: number; mime: string; extension: string; title: string; description: string; engine: string; duration: number }): Promise<AssetJson> {
    const { row, created } = await this.insertMade({
      projectId: g.projectId,
      createdBy: null,
      sha256: g.sha256,
      bytes: g.bytes,
      kind: 'audio',
      mime: g.mime,
      status: 'approved',
      title: g.title.slice(0, 200),
      fileName: `${g.title.slice(0, 150)}.${g.extension}`,
      description: g.description.slice(0, 2000),
      category: 'Generated',
      tags: ['generated', g.engine],
      duration: g.duration,
      width: null,
      height: null,
      render: null
    });
    return created ? this.process(row, null) : this.toJson(row);
  }

  /** Stores a tool's files with the asset it ran on (captions.vtt, captions.srt), replacing earlier ones of the same name. */
  async putToolVariants(assetId: string, files: { name: string; sha256: string; bytes: number; mime: string }[]): Promise<AssetJson> {
    for (const f of files) if (!(await this.storage.has(f.sha256))) throw new Error(`${f.name} was not uploaded`);
    const t = this.now();
    const row = await this.assets.putVariants(assetId, files.map((f) => ({ asset_id: assetId, name: f.name, sha256: f.sha256, bytes: f.bytes, mime: f.mime, meta: '{}', created_at: t })), t);
    if (!row) throw new Error('the asset was deleted while the tool ran');
    return (await this.emitChanged(row))!;
  }

  async addToolOutput(source: AssetRow, o: { createdBy: string | null; sha256: string; bytes: number; mime: string; tool: string; label: string; extension: string; duration: number | null; width: number | null; height: number | null }): Promise<AssetJson> {
    const { row, created } = await this.insertMade({
      projectId: source.project_id,
      createdBy: o.createdBy,
      sha256: o.sha256,
      bytes: o.bytes,
      kind: o.mime.startsWith('video/') ? 'video' : o.mime.startsWith('image/') ? 'image' : 'audio',
      mime: o.mime,
      status: source.status === 'approved' ? 'approved' : 'pending',
      title: `${source.title} (${o.label})`.slice(0, 200),
      fileName: `${source.original_name.replace(/\.[^.]+$/, '') || source.title} (${o.label}).${o.extension}`,
      description: `Made by ${o.tool} from “${source.title}”.`,
      category: source.category,
      tags: [...tagsOf(source), o.tool],
      duration: o.duration,
      width: o.width,
      height: o.height,
      render: null
    });
    return created ? this.process(row, o.createdBy) : this.toJson(row);
  }

  /**
   * A generated video (see VideoGenerationService) joins the library, processed like an upload; approved, since only
   * owners and editors can ask for one. The same file made again answers the first asset.
   */
  async addGeneratedVideo(projectId: string, o: { createdBy: string | null; sha256: string; bytes: number; title: string; description: string; duration: number | null; width: number | null; height: number | null; category?: string; tags?: string[] }): Promise<AssetJson> {
    const { row, created } = await this.insertMade({
      projectId,
      createdBy: o.createdBy,
      sha256: o.sha256,
      bytes: o.bytes,
      kind: 'video',
      mime: 'video/mp4',
      status: 'approved',
      title: o.title.slice(0, 200),
      fileName: `${o.title.replace(/[^\w .,-]+/g, '').trim().slice(0, 80) || 'generated video'}.mp4`,
      description: o.description.slice(0, 2000),
      category: o.category ?? 'Generated',
      tags: o.tags ?? ['generated', 'video generation'],
      duration: o.duration,
      width: o.width,
      height: o.height,
      render: null
    });
    return created ? this.process(row, o.createdBy) : this.toJson(row);
  }

  /** A file a job made, already in the store, as a new asset row. */
  private async insertMade(m: {
    projectId: string;
    createdBy: string | null;
    sha256: string;
    bytes: number;
    kind: AssetKind;
    mime: string;
    status: AssetStatus;
    title: string;
    fileName: string;
    description: string;
    category: string;
    tags: string[];
    duration: number | null;
    width: number | null;
    height: number | null;
    render: { jobId: string; docVersion: string } | null;
  }): Promise<{ row: AssetRow; created: boolean }> {
    if (!(await this.storage.has(m.sha256))) throw new Error('the file was not uploaded');
    const t = this.now();
    const { asset: row, created } = await this.assets.insert({
      id: newId(),
      project_id: m.projectId,
      kind: m.kind,
      status: m.status,
      rejection_reason: null,
      sha256: m.sha256,
      bytes: m.bytes,
      mime: m.mime,
      original_name: displayName(m.fileName),
      title: m.title,
      artist: '',
      description: m.description,
      category: m.category,
      tags: JSON.stringify(normalizeTags(m.tags)),
      duration: m.duration,
      width: m.width,
      height: m.height,
      probe: null,
      processing: 'queued',
      processing_error: null,
      processing_job_id: null,
      uploaded_by: m.createdBy,
      created_at: t,
      updated_at: t,
      render_job_id: m.render?.jobId ?? null,
      doc_version: m.render?.docVersion ?? null
    });
    return { row, created };
  }

  /** Approved, probed assets by id for a render; says which are missing, waiting for approval, or unprocessed. */
  async forRender(projectId: string, ids: string[]): Promise<AssetRow[]> {
    const rows = await this.assets.findByIds(projectId, ids);
    const missing = ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new ApiError(409, 'missing_assets', `${missing.length} clip(s) use media that is no longer in the library; remove or replace them first.`);
    const unapproved = rows.filter((r) => r.status !== 'approved');
    if (unapproved.length) throw new ApiError(409, 'unapproved_assets', `Only approved media goes into renders: approve ${unapproved.map((r) => `"${r.title}"`).join(', ')} first.`);
    const unready = rows.filter((r) => r.processing !== 'ready');
    if (unready.length) throw new ApiError(409, 'assets_processing', `Wait until ${unready.map((r) => `"${r.title}"`).join(', ')} ${unready.length > 1 ? 'are' : 'is'} processed.`);
    return rows;
  }

  // ---- processing (job hooks) ----

  private async setProcessing(job: JobJson, state: AssetRow['processing'], error: string | null): Promise<void> {
    const id = (job.input as { assetId?: string })?.assetId;
    if (!id) return;
    try {
      await this.emitChanged(await this.assets.update(id, { processing: state, processing_error: error, processing_job_id: job.id } as Partial<AssetRow>, this.now()));
    } catch (e) {
      this.logger.error({ err: e, assetId: id }, 'recording processing state failed');
    }
  }

  private async applyProcessing(job: JobJson, raw: unknown): Promise<unknown> {
    const id = (job.input as { assetId: string }).assetId;
    const result = processResult.parse(raw);
    for (const v of result.variants) {
      if (!(await this.storage.has(v.sha256))) throw new Error(`variant ${v.name} was not uploaded`);
    }
    const t = this.now();
    // A render's HLS ladder and captions are not processing's to replace.
    const kept = (await this.assets.variants([id])).filter((v) => isKeptVariant(v.name));
    const row = await this.assets.replaceVariants(
      id,
      [...kept, ...result.variants.filter((v) => !isKeptVariant(v.name)).map((v) => ({ asset_id: id, name: v.name, sha256: v.sha256, bytes: v.bytes, mime: v.mime, meta: JSON.stringify(v.meta ?? {}), created_at: t }))],
      {
        probe: JSON.stringify(result.probe ?? null),
        duration: result.duration,
        width: result.width,
        height: result.height,
        processing: 'ready',
        processing_error: null
      },
      t
    );
    if (!row) throw new Error('the asset was deleted while it was processed');
    await this.emitChanged(row);
    return { assetId: id, variants: result.variants.map((v) => v.name) };
  }

  // ---- the library ----

  private async requireAsset(user: UserRow, id: string): Promise<{ row: AssetRow; role: Role }> {
    const row = await this.assets.findById(id);
    const role = row ? await this.projects.roleOf(user.id, row.project_id) : null;
    if (!row || !role) throw notFound('No asset with that id in your projects.');
    return { row, role };
  }

  async list(user: UserRow, projectId: string, f: AssetListFilter): Promise<{ assets: AssetJson[]; total: number; offset: number; limit: number }> {
    await this.projects.requireRole(user.id, projectId);
    const { rows, total } = await this.assets.list(projectId, f);
    return { assets: await this.toJsonMany(rows), total, offset: f.offset, limit: f.limit };
  }

  async get(user: UserRow, id: string): Promise<AssetJson> {
    return this.toJson((await this.requireAsset(user, id)).row);
  }

  async update(user: UserRow, id: string, patch: { title?: string; artist?: string; description?: string; category?: string; tags?: string[]; status?: AssetStatus; rejectionReason?: string | null }): Promise<AssetJson> {
    const { row, role } = await this.requireAsset(user, id);
    if (!canEdit(role)) throw forbidden('Viewers cannot edit the library: ask the owner for the editor role.');
    const set: AssetPatch = {};
    if (patch.title !== undefined) set.title = patch.title.trim() || row.title;
    if (patch.artist !== undefined) set.artist = patch.artist.trim();
    if (patch.description !== undefined) set.description = patch.description.trim();
    if (patch.category !== undefined) set.category = patch.category.trim();
    if (patch.tags !== undefined) set.tags = JSON.stringify(normalizeTags(patch.tags));
    if (patch.status !== undefined) Object.assign(set, this.moderation(patch.status, patch.rejectionReason));
    return (await this.emitChanged(await this.assets.update(id, set, this.now())))!;
  }

  private moderation(status: AssetStatus, reason: string | null | undefined): AssetPatch {
    if (status === 'rejected' && !reason?.trim()) throw badRequest('Say why the asset is rejected (rejectionReason): the uploader sees it.', 'reason_required');
    return { status, rejection_reason: status === 'rejected' ? reason!.trim().slice(0, 500) : null };
  }

  /** Tags and moderation for many assets at once (the library's bulk actions). */
  async bulk(user: UserRow, projectId: string, b: { ids: string[]; addTags?: string[]; removeTags?: string[]; status?: AssetStatus; rejectionReason?: string | null }): Promise<AssetJson[]> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot edit the library: ask the owner for the editor role.');
    const rows = await this.assets.findByIds(projectId, b.ids);
    if (rows.length !== new Set(b.ids).size) throw notFound('Some of those assets are not in this project (deleted meanwhile?); reload and try again.');
    const add = normalizeTags(b.addTags ?? []);
    const remove = new Set(normalizeTags(b.removeTags ?? []));
    const mod = b.status !== undefined ? this.moderation(b.status, b.rejectionReason) : {};
    const t = this.now();
    const out: AssetJson[] = [];
    for (const row of rows) {
      const tags = normalizeTags([...tagsOf(row).filter((x) => !remove.has(x)), ...add]);
      const updated = await this.assets.update(row.id, { ...mod, tags: JSON.stringify(tags) }, t);
      out.push((await this.emitChanged(updated))!);
    }
    return out;
  }

  async delete(user: UserRow, id: string): Promise<void> {
    const { row, role } = await this.requireAsset(user, id);
    const ownPending = row.uploaded_by === user.id && row.status === 'pending';
    if (!canEdit(role) && !ownPending) throw forbidden('Viewers can only delete their own pending uploads.');
    await this.remove(row, () => (row.processing_job_id ? this.jobs.cancel(user, row.processing_job_id) : undefined));
  }

  /** A generated chunk that aired long ago goes (the generator keeps the last few): no person asks, so no access check. */
  async deleteGenerated(id: string): Promise<void> {
    const row = await this.assets.findById(id);
    if (row) await this.remove(row, () => undefined);
  }

  private async remove(row: AssetRow, cancelProcessing: () => Promise<unknown> | undefined): Promise<void> {
    const id = row.id;
    const variants = await this.assets.variants([id]);
    await this.assets.delete(id);
    if (row.processing_job_id && (row.processing === 'queued' || row.processing === 'running')) {
      await Promise.resolve(cancelProcessing()).catch(() => undefined);
    }
    // Content-addressed: the bytes go only when nothing else (here or in another project) uses them.
    const shas = [...new Set([row.sha256, ...variants.map((v) => v.sha256)])];
    const used = await this.assets.blobsInUse(shas);
    for (const sha of shas) if (!used.has(sha)) await this.storage.delete(sha);
    for (const fn of this.listeners) fn({ type: 'deleted', projectId: row.project_id, assetId: id });
  }

  /**
   * Removes stored files no asset or variant uses: those of deleted projects, and results of jobs that failed
   * after uploading them. Files younger than `minAgeMs` are spared: an upload is stored a moment before its row.
   */
  async collectGarbage(minAgeMs = 3600_000): Promise<{ removed: number; bytes: number }> {
    const cutoff = this.now() - minAgeMs;
    let removed = 0;
    let bytes = 0;
    let batch = new Map<string, number>();
    const sweep = async () => {
      const used = await this.assets.blobsInUse([...batch.keys()]);
      for (const [sha, size] of batch) {
        if (used.has(sha)) continue;
        await this.storage.delete(sha);
        removed++;
        bytes += size;
      }
      batch = new Map();
    };
    for await (const blob of this.storage.list()) {
      if (blob.modifiedAt > cutoff) continue;
      batch.set(blob.sha256, blob.bytes);
      if (batch.size >= 500) await sweep();
    }
    await sweep();
    if (removed) this.logger.info({ removed, bytes }, 'unused media files removed');
    return { removed, bytes };
  }

  // ---- files ----

  /** The stored file behind GET /api/assets/:id/file or /variants/:name, after the caller's access is checked. */
  async fileFor(id: string, variant: string | null, access: { user: UserRow | null; signed: boolean }): Promise<{ sha256: string; mime: string; name: string; bytes: number }> {
    const row = await this.assets.findById(id);
    if (!row) throw notFound('No such asset.');
    if (!access.signed) {
      if (!access.user || !(await this.projects.roleOf(access.user.id, row.project_id))) throw notFound('No such asset in your projects.');
    }
    if (variant === null) return { sha256: row.sha256, mime: row.mime, name: row.original_name, bytes: Number(row.bytes) };
    const v = (await this.assets.variants([id])).find((x) => x.name === variant);
    if (!v) throw notFound(`This asset has no ${variant} variant${row.processing === 'ready' ? '' : ' yet: it is still being processed'}.`);
    return { sha256: v.sha256, mime: v.mime, name: `${row.title || 'asset'}-${variant}`, bytes: Number(v.bytes) };
  }

  /** Only owners change who may upload; kept here because it decides asset status. */
  async setViewerUploads(user: UserRow, projectId: string, allowed: boolean): Promise<void> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canManage(role)) throw forbidden('Only the owner decides whether viewers may upload.');
    await this.projects.setViewerUploads(projectId, allowed);
  }
}
