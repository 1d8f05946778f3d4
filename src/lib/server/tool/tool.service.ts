import { z } from 'zod';
import { CAPTION_ENGINE_LABELS, CAPTION_VARIANTS } from '$lib/captions';
import { canEdit } from '$lib/editor/model/role';
import type { AssetKind } from '$lib/asset';
import type { JobJson } from '$lib/job';
import { DEFAULT_ASR_MODEL } from '$lib/ai';
import { streamsOf, TOOL_LABELS, TOOL_OPTIONS, TOOLS, toolJobType, toolOfJobType, toolRefusal, upscaleRefusal, type ToolFindings, type ToolName, type ToolOptions, type ToolResult } from '$lib/tool';
import type { AssetRepository } from '../asset/asset.repository';
import type { AssetService } from '../asset/asset.service';
import type { ProvidersService } from '../ai/providers.service';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import { zodMessage } from '../http/api-route';
import type { JobService } from '../job/job.service';
import type { ProjectService } from '../project/project.service';

const time = z.number().nonnegative().max(1e6);
/** What a tool worker answers; checked before anything is added to the library. */
const toolWorkerResult = z.object({
  file: z
    .object({
      name: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().positive(),
      mime: z.enum(['audio/flac', 'video/mp4', 'image/png']),
      meta: z.object({ duration: z.number().positive().nullable(), width: z.number().int().positive().nullable(), height: z.number().int().positive().nullable() }).passthrough()
    })
    .nullable(),
  findings: z.object({
    silences: z.array(z.object({ start: time, end: time })).max(100_000).optional(),
    cuts: z.array(z.object({ start: time, end: time })).max(100_000).optional(),
    scenes: z.array(z.object({ time, score: z.number().min(0).max(100) })).max(100_000).optional(),
    cues: z.array(z.object({ start: time, end: time, text: z.string().max(1000) })).max(100_000).optional(),
    speech: z.array(z.object({ start: time, end: time })).max(100_000).optional()
  }),
  /** Files kept with the source asset rather than made into a new one: the captions tool's. */
  variants: z
    .array(
      z.object({
        name: z.enum([CAPTION_VARIANTS.vtt.name, CAPTION_VARIANTS.srt.name]),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        bytes: z.number().int().positive(),
        mime: z.enum([CAPTION_VARIANTS.vtt.mime, CAPTION_VARIANTS.srt.mime])
      })
    )
    .max(2)
    .optional()
});

/** How the new asset's name says what was done to it. */
const MADE_LABELS: Record<Exclude<ToolName, 'captions' | 'speech'>, string> = {
  cleanup: 'cleaned up',
  silence: 'silence removed',
  scenes: 'scenes',
  stabilize: 'stabilized',
  denoise: 'denoised',
  color: 'colour corrected',
  upscale: 'upscaled'
};

const EXTENSIONS = { 'video/mp4': 'mp4', 'audio/flac': 'flac', 'image/png': 'png' } as const;

/** Credits count minutes of content; a still, which has none, is charged as one minute. */
const STILL_SECONDS = 60;

interface ToolJobInput {
  assetId: string;
  kind: AssetKind;
  hasAudio: boolean;
  hasVideo: boolean;
  duration: number | null;
  videoCodec: string | null;
  audioChannels: number | null;
  options: unknown;
}

/** Media tools on one asset: each run is a `tool.<name>` job; a tool that makes a file adds a new asset, the source stays as it is. */
export class ToolService {
  constructor(
    private readonly projects: ProjectService,
    private readonly assetRows: AssetRepository,
    private readonly assets: AssetService,
    private readonly jobs: JobService,
    signer: UrlSigner,
    private readonly providers: ProvidersService
  ) {
    for (const tool of TOOLS) {
      jobs.registerKind(toolJobType(tool), {
        urls: async (job) => {
          const id = (job.input as ToolJobInput).assetId;
          const row = await this.assetRows.findById(id);
          if (!row) throw new Error('the asset was deleted');
          return { source: signer.sign(`/api/assets/${id}/file`), ...(await this.transcriptionHandout(job, row.project_id)) };
        },
        succeeded: (job, raw) => this.applyResult(job, raw)
      });
    }
  }

  /** Queues `tool` on the asset; refuses (4xx) an unknown tool, bad options, a viewer, or an asset the tool does not apply to. */
  async start(user: UserRow, assetId: string, tool: string, body: unknown): Promise<JobJson> {
    const name = TOOLS.find((t) => t === tool);
    if (!name) throw new ApiError(404, 'unknown_tool', `There is no tool "${tool.slice(0, 40)}"; the tools are ${TOOLS.join(', ')}.`);
    const row = await this.assetRows.findById(assetId);
    const role = row ? await this.projects.roleOf(user.id, row.project_id) : null;
    if (!row || !role) throw notFound('No asset with that id in your projects.');
    if (!canEdit(role)) throw forbidden('Viewers cannot run tools: they make new assets. Ask the owner for the editor role.');
    const options = TOOL_OPTIONS[name].safeParse(body);
    if (!options.success) throw new ApiError(400, 'invalid_input', zodMessage(options.error));
    const probe = parseProbe(row.probe);
    const refusal =
      toolRefusal(name, { kind: row.kind, processing: row.processing, ...streamsOf(probe) }) ??
      (name === 'upscale' ? upscaleRefusal(row.width, row.height, (options.data as { factor: number }).factor) : null);
    if (refusal) throw new ApiError(refusal.status, refusal.code, refusal.message);
    if (name === 'captions') options.data = await this.captionSettings(row.project_id, options.data as ToolOptions<'captions'>);
    const input: ToolJobInput = {
      assetId: row.id,
      kind: row.kind,
      ...streamsOf(probe),
      duration: row.duration,
      videoCodec: (probe as { video?: { codec?: string } } | null)?.video?.codec ?? null,
      audioChannels: (probe as { audio?: { channels?: number } } | null)?.audio?.channels ?? null,
      options: options.data
    };
    // Priced per minute of the asset (the credit ledger charges it as the job is queued).
    const { job } = await this.jobs.enqueue(row.project_id, { type: toolJobType(name), input, createdBy: user.id, maxAttempts: 2, contentSeconds: row.kind === 'image' ? STILL_SECONDS : (row.duration ?? 0) });
    return job;
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<ToolResult> {
    const tool = toolOfJobType(job.type)!;
    const result = toolWorkerResult.parse(raw);
    const findings: ToolFindings = result.findings;
    if (tool === 'captions') {
      await this.assets.putToolVariants((job.input as ToolJobInput).assetId, result.variants ?? []);
      return { assetId: null, findings, report: { engine: CAPTION_ENGINE_LABELS[(job.input as { options: { engine: 'builtin' | 'openai' } }).options.engine] } };
    }
    if (!result.file || tool === 'speech') return { assetId: null, findings, report: null };
    const source = await this.assetRows.findById((job.input as ToolJobInput).assetId);
    if (!source) throw new Error('the source asset was deleted while the tool ran');
    const { meta } = result.file;
    const asset = await this.assets.addToolOutput(source, {
      createdBy: job.createdBy,
      sha256: result.file.sha256,
      bytes: result.file.bytes,
      mime: result.file.mime,
      tool: TOOL_LABELS[tool].name.toLowerCase(),
      label: MADE_LABELS[tool],
      extension: EXTENSIONS[result.file.mime],
      duration: meta.duration,
      width: meta.width,
      height: meta.height
    });
    const report = Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'duration' && k !== 'width' && k !== 'height'));
    return { assetId: asset.id, findings, report };
  }

  /** A caption run's engine and model, filled in from the project's speech recognition settings where the caller named none. */
  private async captionSettings(projectId: string, o: ToolOptions<'captions'>): Promise<Required<ToolOptions<'captions'>>> {
    const engine = o.engine ?? (await this.providers.asrEngineFor(projectId));
    if (engine === 'builtin') return { ...o, engine, model: o.model ?? DEFAULT_ASR_MODEL };
    const service = await this.providers.transcriptionFor(projectId);
    if (!service) {
      throw new ApiError(
        409,
        'transcription_not_configured',
        `No OpenAI-compatible service is set for this project: set one in Providers › Speech recognition (or the language model's base URL), or use the ${CAPTION_ENGINE_LABELS.builtin}.`
      );
    }
    return { ...o, engine, model: o.model ?? service.model ?? DEFAULT_ASR_MODEL };
  }

  /**
   * The transcription service's endpoint and key for an openai captions job: handed to the worker with each attempt,
   * never stored in the job (whose input every project member can read).
   */
  private async transcriptionHandout(job: JobJson, projectId: string): Promise<Record<string, string>> {
    if (job.type !== toolJobType('captions') || (job.input as { options?: { engine?: string } }).options?.engine !== 'openai') return {};
    const service = await this.providers.transcriptionFor(projectId);
    if (!service) throw new Error('the project no longer has an OpenAI-compatible service set');
    return { transcriptionBaseUrl: service.baseUrl, ...(service.apiKey ? { transcriptionKey: service.apiKey } : {}) };
  }
}

function parseProbe(text: string | null): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
