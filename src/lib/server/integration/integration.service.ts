import { createHash } from 'node:crypto';
import { MAX_PHOTOS_PER_ANALYSIS, photoAnalyzeInput } from '$lib/photo-analysis';
import { listingRenderInput } from '$lib/listing-video';
import { ApiError, notFound } from '../http/api-error';
import { requireScope, type ApiKeyPrincipal } from '../api-key/api-key.service';
import type { AssetRepository } from '../asset/asset.repository';
import type { JobRepository } from '../job/job.repository';
import { jobJson, type JobService } from '../job/job.service';
import type { WebhookService } from '../webhook/webhook.service';
import type { PhotoAnalysisService } from '../photo/photo-analysis.service';
import type { ListingVideoService } from '../listing/listing-video.service';
import { jobEventView } from '../webhook/webhook-events';
import type { IdempotencyRepository } from './idempotency.repository';
import type { ProcessingGate } from './processing-gate';
import type { ClassifyRequest, MediaRef, RenderRequest } from './integration.schema';
import type { RemoteMediaFetcher } from './remote-media';

/** How long a stored answer to an Idempotency-Key is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** URLs of one request fetched at once. */
const FETCH_CONCURRENCY = 4;

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** The integration API v1: classify photos and render listing videos as jobs, read jobs, for one project's API key. */
export class IntegrationService {
  constructor(
    private readonly jobs: JobService,
    private readonly photoAnalysis: PhotoAnalysisService,
    private readonly listingVideos: ListingVideoService,
    private readonly jobRepository: JobRepository,
    private readonly assets: AssetRepository,
    private readonly media: RemoteMediaFetcher,
    private readonly webhooks: WebhookService,
    private readonly idempotency: IdempotencyRepository,
    private readonly gate: ProcessingGate,
    private readonly now: () => number = Date.now
  ) {}

  /**
   * Runs `run` once per Idempotency-Key: the same key with the same request answers the stored response, with another
   * request 422, while the first is still running 409. Without a key, just runs. A failed run frees the key.
   */
  async idempotent(p: ApiKeyPrincipal, key: string | null, request: string, run: () => Promise<ApiAnswer>): Promise<ApiAnswer & { replayed: boolean }> {
    if (key === null) return { ...(await run()), replayed: false };
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key is 1 to 200 printable ASCII characters without spaces.');
    const t = this.now();
    await this.idempotency.deleteOlderThan(p.projectId, t - IDEMPOTENCY_TTL_MS);
    const hash = createHash('sha256').update(request).digest('hex');
    const claim = await this.idempotency.claim(p.projectId, key, hash, t);
    if (!claim.claimed) {
      if (claim.row.request_hash !== hash) throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request.');
      if (claim.row.status_code === null) throw new ApiError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being answered; retry in a moment.');
      return { status: claim.row.status_code, body: JSON.parse(claim.row.response ?? 'null'), replayed: true };
    }
    try {
      const answer = await run();
      await this.idempotency.complete(p.projectId, key, answer.status, JSON.stringify(answer.body));
      return { ...answer, replayed: false };
    } catch (e) {
      await this.idempotency.release(p.projectId, key);
      throw e;
    }
  }

  async classify(p: ApiKeyPrincipal, req: ClassifyRequest): Promise<ApiAnswer> {
    requireScope(p, 'photos:classify');
    await this.checkRequest(p, req.photos, req.callbackUrl);
    const ids = await this.resolve(p, req.photos.map((ref, i) => ({ ref, field: `photos.${i}`, kind: 'image' as const })));
    const unique = [...new Set(ids)];
    const jobs = [];
    for (let i = 0; i < unique.length; i += MAX_PHOTOS_PER_ANALYSIS) {
      const input = photoAnalyzeInput.parse({ assetIds: unique.slice(i, i + MAX_PHOTOS_PER_ANALYSIS), writeToBrief: req.writeToBrief });
      const runAfter = await this.gate.runAfter(p.projectId, input.assetIds);
      const job = await this.photoAnalysis.enqueue(p.projectId, input, p.actor.id, null, runAfter);
      if (req.callbackUrl) await this.webhooks.addCallback(p.projectId, job.id, req.callbackUrl, p.signingSecret);
      jobs.push({ ...jobEventView(job), assetIds: input.assetIds });
    }
    // Processing may have finished between the check and the enqueue.
    await this.gate.releaseReady(p.projectId);
    return { status: 202, body: { jobs, photos: req.photos.map((ref, i) => ({ ...ref, assetId: ids[i] })) } };
  }

  async render(p: ApiKeyPrincipal, req: RenderRequest): Promise<ApiAnswer> {
    requireScope(p, 'video:render');
    const refs = [...req.photos, ...req.photos.flatMap((ph) => (ph.staged ? [ph.staged] : [])), ...(req.music ? [req.music] : [])];
    await this.checkRequest(p, refs, req.callbackUrl);
    const photoIds = await this.resolve(p, req.photos.map((ref, i) => ({ ref, field: `photos.${i}`, kind: 'image' as const })));
    const stagedIds = await Promise.all(req.photos.map(async (ph, i) => (ph.staged ? (await this.resolve(p, [{ ref: ph.staged, field: `photos.${i}.staged`, kind: 'image' }]))[0] : null)));
    const musicId = req.music ? (await this.resolve(p, [{ ref: req.music, field: 'music', kind: 'audio' }]))[0] : null;
    const input = listingRenderInput.parse({
      photos: req.photos.map((ph, i) => ({ assetId: photoIds[i], stagedAssetId: stagedIds[i], focus: ph.focus ?? null })),
      musicAssetId: musicId,
      listing: req.listing,
      variants: req.variants,
      timeline: req.timeline,
      photoSeconds: req.photoSeconds
    });
    const runAfter = await this.gate.runAfter(p.projectId, [...photoIds, ...stagedIds.filter((id) => id !== null), ...(musicId ? [musicId] : [])]);
    const job = await this.listingVideos.enqueue(p.projectId, input, p.actor.id, runAfter);
    if (req.callbackUrl) await this.webhooks.addCallback(p.projectId, job.id, req.callbackUrl, p.signingSecret);
    await this.gate.releaseReady(p.projectId);
    return { status: 202, body: { job: jobEventView(job), photos: req.photos.map((ph, i) => ({ assetId: photoIds[i], stagedAssetId: stagedIds[i] })), musicAssetId: musicId } };
  }

  /** A job of the key's project (another project's job is 404, as an unknown id is). */
  async job(p: ApiKeyPrincipal, jobId: string) {
    requireScope(p, 'jobs:read');
    const row = await this.jobRepository.findById(jobId);
    if (!row || row.project_id !== p.projectId) throw notFound('No job with that id in this API key\'s project.');
    return jobEventView(jobJson(row));
  }

  /** Checks that need no download: scopes for URLs, the callback's target. */
  private async checkRequest(p: ApiKeyPrincipal, refs: MediaRef[], callbackUrl: string | undefined): Promise<void> {
    if (refs.some((r) => 'url' in r)) requireScope(p, 'assets:write');
    if (callbackUrl) {
      try {
        await this.webhooks.checkCallbackUrl(callbackUrl);
      } catch (e) {
        if (e instanceof ApiError) throw new ApiError(e.status, e.code, `callbackUrl: ${e.message}`);
        throw e;
      }
    }
  }

  /** Asset ids for the refs, in order: ids are checked first, then URLs are fetched into the library. */
  private async resolve(p: ApiKeyPrincipal, items: { ref: MediaRef; field: string; kind: 'image' | 'audio' }[]): Promise<string[]> {
    const named = items.flatMap((it) => ('assetId' in it.ref ? [it.ref.assetId] : []));
    const rows = named.length ? await this.assets.findByIds(p.projectId, [...new Set(named)]) : [];
    for (const it of items) {
      if (!('assetId' in it.ref)) continue;
      const id = it.ref.assetId;
      const row = rows.find((r) => r.id === id);
      if (!row) throw new ApiError(404, 'asset_not_found', `${it.field}.assetId: no asset ${id} in this project.`);
      if (row.kind !== it.kind) throw new ApiError(400, 'wrong_media_kind', `${it.field}.assetId: asset ${id} is ${row.kind}, not ${it.kind}.`);
    }
    const out: string[] = items.map((it) => ('assetId' in it.ref ? it.ref.assetId : ''));
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) {
        const ref = items[i].ref;
        if ('url' in ref) out[i] = (await this.media.fetchInto(p.projectId, p.actor, ref.url, items[i].kind, `${items[i].field}.url`)).id;
      }
    };
    await Promise.all(Array.from({ length: FETCH_CONCURRENCY }, worker));
    return out;
  }
}
