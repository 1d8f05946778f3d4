import { z } from 'zod';
import { canEdit } from '$lib/editor/model/role';
import type { JobJson } from '$lib/job';
import { VIDEO_GENERATION_JOB, VIDEO_NOT_CONFIGURED, type VideoGenerationInput, type VideoGenerationRequest, type VideoGenerationResult } from '$lib/video-generation';
import type { AssetRepository } from '../asset/asset.repository';
import type { AssetService } from '../asset/asset.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { ProvidersService } from './providers.service';

/** What the worker answers: the MP4 it stored, as ffprobe measured it, and the server's id for the generation. */
const workerResult = z.object({
  file: z.object({
    name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    mime: z.literal('video/mp4'),
    meta: z.object({ duration: z.number().positive(), width: z.number().int().positive(), height: z.number().int().positive() })
  }),
  serverVideoId: z.string().max(200)
});

/**
 * Text-to-video and image-to-video on the project's configured server (Providers › Video generation): each request is
 * an `ai.video` job, charged per second asked for as it is queued (refunded if it fails); its MP4 becomes a new asset.
 */
export class VideoGenerationService {
  constructor(
    private readonly projects: ProjectService,
    private readonly assetRows: AssetRepository,
    private readonly assets: AssetService,
    private readonly jobs: JobService,
    private readonly signer: UrlSigner,
    private readonly providers: ProvidersService
  ) {
    jobs.registerKind(VIDEO_GENERATION_JOB, { urls: (job) => this.handout(job), succeeded: (job, raw) => this.applyResult(job, raw) });
  }

  async start(user: UserRow, projectId: string, request: VideoGenerationRequest): Promise<JobJson> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot generate videos: they make new assets and spend credits. Ask the owner for the editor role.');
    const server = await this.providers.videoFor(projectId);
    if (!server) throw new ApiError(409, 'video_generation_not_configured', VIDEO_NOT_CONFIGURED);
    if (request.imageAssetId) await this.requireImage(projectId, request.imageAssetId);
    const input: VideoGenerationInput = { prompt: request.prompt, seconds: request.seconds, size: request.size, imageAssetId: request.imageAssetId ?? null, model: server.model };
    // One retry for a dropped connection; a refusal by the server fails at once (the worker says it is permanent).
    const { job } = await this.jobs.enqueue(projectId, { type: VIDEO_GENERATION_JOB, input, createdBy: user.id, maxAttempts: 2, contentSeconds: request.seconds });
    return job;
  }

  private async requireImage(projectId: string, assetId: string): Promise<void> {
    const image = await this.assetRows.findById(assetId);
    if (!image || image.project_id !== projectId) throw notFound('No asset with that imageAssetId in this project.');
    if (image.kind !== 'image') throw new ApiError(422, 'not_an_image', `“${image.title}” is ${image.kind === 'audio' ? 'audio' : 'a video'}; image-to-video starts from an image.`);
    if (image.processing !== 'ready') throw new ApiError(409, 'asset_not_processed', `“${image.title}” is not processed yet (${image.processing}); try again once it is ready.`);
  }

  /** The server's URL and key go to the worker with each attempt, never into the job input that members read. */
  private async handout(job: JobJson): Promise<Record<string, string>> {
    const server = await this.providers.videoFor(job.projectId);
    if (!server) throw new Error('the project no longer has a video generation server set (Providers › Video generation)');
    const { imageAssetId } = job.input as VideoGenerationInput;
    if (imageAssetId && !(await this.assetRows.findById(imageAssetId))) throw new Error('the source image was deleted');
    return {
      videoBaseUrl: server.baseUrl,
      ...(server.apiKey ? { videoKey: server.apiKey } : {}),
      ...(imageAssetId ? { image: this.signer.sign(`/api/assets/${imageAssetId}/file`) } : {})
    };
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<VideoGenerationResult> {
    const result = workerResult.parse(raw);
    const input = job.input as VideoGenerationInput;
    const image = input.imageAssetId ? await this.assetRows.findById(input.imageAssetId) : undefined;
    const { meta } = result.file;
    const asset = await this.assets.addGeneratedVideo(job.projectId, {
      createdBy: job.createdBy,
      sha256: result.file.sha256,
      bytes: result.file.bytes,
      title: `Generated: ${oneLine(input.prompt, 80)}`,
      description: `Made by video generation (${input.model}, ${input.seconds} s at ${input.size})${image ? ` from the image “${image.title}”` : ''}. Prompt: ${input.prompt}`,
      duration: meta.duration,
      width: meta.width,
      height: meta.height
    });
    return { assetId: asset.id, serverVideoId: result.serverVideoId };
  }
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
