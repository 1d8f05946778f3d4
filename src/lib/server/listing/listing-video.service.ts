import { z } from 'zod';
import { canEdit } from '$lib/editor/model/role';
import { formatPrice, listingFacts } from '$lib/brief/brief-labels';
import type { ServiceOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { insertListingCut, type ListingCutArgs } from '$lib/editor/model/timeline/listing-cut';
import type { JobJson } from '$lib/job';
import {
  defaultListingVariants,
  estimatedListingSeconds,
  LISTING_ASPECTS,
  LISTING_RENDER_JOB,
  LISTING_VIDEO_CATEGORY,
  listingRenderInput,
  type ListingRenderInput,
  type ListingRenderResult,
  type ListingVideoRequest
} from '$lib/listing-video';
import type { AssetRepository } from '../asset/asset.repository';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';

const fileRef = z.object({
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  mime: z.literal('video/mp4'),
  meta: z.object({ aspect: z.enum(LISTING_ASPECTS), branded: z.boolean(), width: z.number().int().positive(), height: z.number().int().positive(), duration: z.number().positive() })
});
/** What the worker answers: the MP4 of each variant, the beats, the cache's counts and the cut it made. */
export const listingWorkerResult = z.object({
  files: z.array(fileRef).min(1),
  beats: z.array(z.number()),
  cachedClips: z.number().int().nonnegative(),
  renderedClips: z.number().int().nonnegative(),
  originalsUrl: z.string().nullable(),
  cut: z.object({ fps: z.number().positive(), half: z.number().int().nonnegative(), cuts: z.array(z.number().int()), frames: z.number().int().positive(), moves: z.array(z.enum(['in', 'out'])) })
});
export type ListingWorkerResult = z.infer<typeof listingWorkerResult>;

/** The originals page's token: the project and the unaltered photos it shows, signed (nothing stored, nothing to guess). */
const ORIGINALS_PURPOSE = 'listing-originals';
const LISTING_ORIGIN: ServiceOrigin = Object.freeze({ kind: 'worker', name: 'listing video' });

/**
 * Listing videos: a brief's photos (or an integrator's) become one `listing.render` job with every variant; each MP4
 * lands in the library as a "Listing video" asset. Staged photos' unaltered originals are on a public read-only page
 * the end cards link to with a QR code.
 */
export class ListingVideoService {
  constructor(
    private readonly projects: ProjectService,
    private readonly docs: DocRegistry,
    private readonly assetRows: AssetRepository,
    private readonly assets: AssetService,
    private readonly jobs: JobService,
    private readonly signer: UrlSigner,
    /** The studio's public address (ORIGIN): the QR code must open from a phone, not from the worker's loopback. */
    private readonly origin?: string
  ) {
    jobs.registerKind(LISTING_RENDER_JOB, { urls: (job) => this.handout(job), succeeded: (job, raw) => this.applyResult(job, raw) });
  }

  /** From the brief: its photos marked for the video in brief order, with their focus points and staged copies. */
  async startFromBrief(user: UserRow, projectId: string, request: ListingVideoRequest): Promise<JobJson> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot render listing videos: they make new assets and spend credits. Ask the owner for the editor role.');
    const doc = await this.docs.copyOf(projectId);
    let brief;
    try {
      brief = new ProjectDoc(doc).brief.snapshot();
    } finally {
      doc.destroy();
    }
    const photos = brief.photos.filter((p) => p.includeInVideo);
    if (!photos.length) throw new ApiError(422, 'no_photos', 'The brief has no photo marked for the video: add photos to the brief, or tick "In video" on some.');
    const parsed = listingRenderInput.safeParse({
      photos: photos.map((p) => ({ assetId: p.assetId, stagedAssetId: p.stagedAssetId, focus: p.focus })),
      musicAssetId: request.musicAssetId,
      listing: brief.listing,
      variants: request.variants ?? defaultListingVariants(brief.listing.mlsUnbranded),
      timeline: request.timeline,
      photoSeconds: request.photoSeconds
    });
    if (!parsed.success) throw new ApiError(422, 'invalid_brief', `The brief cannot make a listing video: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return this.start(user, projectId, parsed.data);
  }

  /** Any validated input (the studio's, or the integration API's): its assets checked, charged per minute of output. */
  async start(user: UserRow | null, projectId: string, input: ListingRenderInput): Promise<JobJson> {
    await this.checkAssets(projectId, input);
    return this.enqueue(projectId, input, user?.id ?? null);
  }

  /**
   * Queues the job, charged per minute of output summed over the variants. The integration API comes here directly: its
   * freshly fetched photos are still processing, and its job waits for them (`runAfter`) instead of being refused.
   */
  async enqueue(projectId: string, input: ListingRenderInput, createdBy: string | null, runAfter?: number): Promise<JobJson> {
    const seconds = estimatedListingSeconds(input.photos.length, input.photoSeconds) * input.variants.length;
    const { job } = await this.jobs.enqueue(projectId, { type: LISTING_RENDER_JOB, input, createdBy, maxAttempts: 2, contentSeconds: seconds, runAfter });
    return job;
  }

  /** Each photo an image of the project, processed; the music audio; the logo an image. 404/422/409 with the asset named. */
  async checkAssets(projectId: string, input: ListingRenderInput): Promise<void> {
    const want = new Map<string, 'image' | 'audio'>();
    for (const p of input.photos) {
      want.set(p.assetId, 'image');
      if (p.stagedAssetId) want.set(p.stagedAssetId, 'image');
    }
    if (input.listing.branding.logoAssetId && input.variants.some((v) => v.branded)) want.set(input.listing.branding.logoAssetId, 'image');
    if (input.musicAssetId) want.set(input.musicAssetId, 'audio');
    const rows = new Map((await this.assetRows.findByIds(projectId, [...want.keys()])).map((r) => [r.id, r]));
    for (const [id, kind] of want) {
      const row = rows.get(id);
      if (!row) throw notFound(`No asset ${id} in this project.`);
      if (row.kind !== kind) throw new ApiError(422, kind === 'image' ? 'not_an_image' : 'not_audio', `“${row.title}” is ${row.kind === 'image' ? 'an image' : row.kind}; ${kind === 'image' ? 'photos and logos are images' : 'the music is an audio asset'}.`);
      if (row.processing !== 'ready') throw new ApiError(409, 'asset_not_processed', `“${row.title}” is not processed yet (${row.processing}); try again once it is ready.`);
    }
  }

  /** The public page of these unaltered photos (path only; the end card's QR code takes it with the server's origin). */
  originalsPath(projectId: string, assetIds: string[]): string {
    const payload = Buffer.from(`${projectId}:${assetIds.join(',')}`).toString('base64url');
    return `/listing/${payload}.${this.signer.digest(ORIGINALS_PURPOSE, payload).slice(0, 22)}/originals`;
  }

  /** The project and photos a token names, or null when it was not made here. */
  readOriginalsToken(token: string): { projectId: string; assetIds: string[] } | null {
    const m = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m || this.signer.digest(ORIGINALS_PURPOSE, m[1]!).slice(0, 22) !== m[2]) return null;
    const [projectId, ids] = Buffer.from(m[1]!, 'base64url').toString().split(':');
    if (!projectId || ids === undefined) return null;
    return { projectId, assetIds: ids.split(',').filter(Boolean) };
  }

  /** The unaltered photos a token opens: titles and signed URLs of their files, in the video's order. */
  async originals(token: string): Promise<{ title: string; url: string }[]> {
    const named = this.readOriginalsToken(token);
    if (!named) throw notFound('No such page of original photos.');
    const rows = new Map((await this.assetRows.findByIds(named.projectId, named.assetIds)).map((r) => [r.id, r]));
    return named.assetIds.flatMap((id) => {
      const r = rows.get(id);
      return r && r.kind === 'image' ? [{ title: r.title, url: this.signer.sign(`/api/assets/${id}/file`) }] : [];
    });
  }

  /** The worker's cut with what the timeline needs besides: the pictures shown and their sizes, the cards' text. */
  private async cutOf(projectId: string, input: ListingRenderInput, result: ListingWorkerResult): Promise<ListingCutArgs> {
    const shown = input.photos.map((p) => p.stagedAssetId ?? p.assetId);
    const rows = new Map((await this.assetRows.findByIds(projectId, shown)).map((r) => [r.id, r]));
    const l = input.listing;
    const branded = input.variants.some((v) => v.aspect === '16:9' && v.branded) || (!input.variants.some((v) => v.aspect === '16:9') && input.variants.some((v) => v.branded));
    return {
      fps: result.cut.fps,
      half: result.cut.half,
      cuts: result.cut.cuts,
      frames: result.cut.frames,
      photos: input.photos.map((p, i) => ({
        assetId: shown[i]!,
        width: rows.get(shown[i]!)?.width ?? null,
        height: rows.get(shown[i]!)?.height ?? null,
        focus: p.focus,
        move: result.cut.moves[i] ?? 'in'
      })),
      titleText: [l.address, formatPrice(l.price, l.currency), listingFacts(l)].filter(Boolean).join('\n'),
      endText: branded ? [l.branding.name, l.branding.phone].filter(Boolean).join('\n') : l.address,
      musicAssetId: input.musicAssetId
    };
  }

  private handout(job: JobJson): Record<string, string> {
    const input = job.input as ListingRenderInput;
    const ids = new Set<string>();
    for (const p of input.photos) ids.add(p.stagedAssetId ?? p.assetId);
    if (input.musicAssetId) ids.add(input.musicAssetId);
    if (input.listing.branding.logoAssetId) ids.add(input.listing.branding.logoAssetId);
    const staged = input.photos.filter((p) => p.stagedAssetId).map((p) => p.assetId);
    return {
      ...Object.fromEntries([...ids].map((id) => [`asset:${id}`, this.signer.sign(`/api/assets/${id}/file`)])),
      ...(staged.length ? { originals: this.origin ? new URL(this.originalsPath(job.projectId, staged), this.origin).toString() : this.originalsPath(job.projectId, staged) } : {})
    };
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<ListingRenderResult> {
    const result = listingWorkerResult.parse(raw);
    const input = job.input as ListingRenderInput;
    const place = input.listing.address.replace(/\s+/g, ' ').trim().slice(0, 80) || 'listing';
    const outputs = [];
    for (const f of result.files) {
      const { aspect, branded, width, height, duration } = f.meta;
      const asset = await this.assets.addGeneratedVideo(job.projectId, {
        createdBy: job.createdBy,
        sha256: f.sha256,
        bytes: f.bytes,
        title: `Listing video ${aspect}${branded ? '' : ' unbranded'}: ${place}`,
        description: `${input.photos.length} photos, ${aspect} ${width}×${height}, ${branded ? 'branded' : 'MLS-unbranded'}${input.musicAssetId ? ', cut on the beat of the music' : ''}.`,
        duration,
        width,
        height,
        category: LISTING_VIDEO_CATEGORY,
        tags: ['listing video', aspect, branded ? 'branded' : 'unbranded']
      });
      outputs.push({ aspect, branded, assetId: asset.id, width, height, seconds: duration });
    }
    const cut = await this.cutOf(job.projectId, input, result);
    let timelineId: string | null = null;
    if (input.timeline) {
      const written = await this.docs.edit(job.projectId, LISTING_ORIGIN, (pd) => {
        const r = insertListingCut(pd.timeline.snapshot(), cut);
        if (r.ok) pd.timeline.apply(r.changes);
        return r.ok;
      });
      timelineId = written ? job.projectId : null;
    }
    return {
      cut,
      outputs,
      beats: result.beats,
      cachedClips: result.cachedClips,
      renderedClips: result.renderedClips,
      timelineId,
      staged: input.photos.flatMap((p) => (p.stagedAssetId ? [{ assetId: p.assetId, stagedAssetId: p.stagedAssetId }] : [])),
      originalsUrl: result.originalsUrl
    };
  }
}
