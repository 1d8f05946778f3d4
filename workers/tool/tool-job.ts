/** The shape every `tool.*` job shares: download the asset, run the tool, store the new file (if any), answer the findings. */
import path from 'node:path';
import { z } from 'zod';
import { TOOL_OPTIONS, toolJobType, type ToolFindings, type ToolName, type ToolOptions } from '../../src/lib/tool';
import type { RunFfmpegOptions } from '../media/run-ffmpeg';
import { PermanentJobError, type JobHandler } from '../worker-client';

/** What the server puts in a tool job besides the options: enough to run without probing the source again. */
export const toolSource = z.object({
  assetId: z.string(),
  /** Jobs queued before stills could be upscaled carry no kind: they were video or sound. */
  kind: z.enum(['audio', 'video', 'image']).default('video'),
  hasAudio: z.boolean(),
  hasVideo: z.boolean(),
  duration: z.number().nullable(),
  videoCodec: z.string().nullable(),
  audioChannels: z.number().int().nonnegative().nullable()
});
export type ToolSource = z.infer<typeof toolSource>;

export interface ToolRun<T extends ToolName> {
  file: string;
  source: ToolSource;
  options: ToolOptions<T>;
  workDir: string;
  signal: AbortSignal;
  /** What the server handed out with this attempt besides the source (e.g. a transcription service for captions). */
  urls: Record<string, string>;
  /** 0..1 of the tool's own work, with what it is doing. */
  progress: (fraction: number, message: string) => void;
}

export interface ToolOutput {
  /** The new asset's file, when the tool makes one. */
  made?: { file: string; name: string; mime: string; meta: { duration: number | null; width: number | null; height: number | null } & Record<string, unknown> };
  findings: ToolFindings;
  /** Files kept with the source asset as variants (captions.vtt, captions.srt). */
  variants?: { file: string; name: string; mime: string }[];
}

/** runFfmpeg's options for a pass that covers `[from, to]` of the tool's progress. */
export function pass(run: ToolRun<ToolName>, from: number, to: number, message: string, duration = run.source.duration): RunFfmpegOptions {
  run.progress(from, message);
  return { signal: run.signal, duration: duration ?? undefined, onProgress: (f) => run.progress(from + (to - from) * f, message) };
}

export function toolJob<T extends ToolName>(tool: T, runTool: (run: ToolRun<T>) => Promise<ToolOutput>): JobHandler {
  return async (ctx) => {
    const source = toolSource.safeParse(ctx.job.input);
    const options = TOOL_OPTIONS[tool].safeParse((ctx.job.input as { options?: unknown } | null)?.options);
    if (!source.success || !options.success) {
      throw new PermanentJobError(`${toolJobType(tool)} takes { assetId, kind, hasAudio, hasVideo, duration, videoCodec, audioChannels, options }: ${(source.error ?? options.error)!.message}`);
    }
    const file = path.join(ctx.workDir, 'source');
    ctx.progress(0, 'Downloading the asset');
    await ctx.download('source', file);
    const out = await runTool({
      file,
      source: source.data,
      options: options.data as ToolOptions<T>,
      workDir: ctx.workDir,
      signal: ctx.signal,
      urls: ctx.job.urls,
      progress: (f, message) => ctx.progress(0.05 + 0.9 * Math.min(1, Math.max(0, f)), message)
    });
    let stored = null;
    if (out.made) {
      ctx.progress(0.95, 'Storing the new asset');
      stored = await ctx.upload(out.made.name, out.made.file, out.made.mime, out.made.meta);
    }
    const variants = [];
    for (const v of out.variants ?? []) variants.push(await ctx.upload(v.name, v.file, v.mime));
    ctx.progress(1, 'Done');
    return { file: stored, findings: out.findings, ...(out.variants ? { variants } : {}) };
  };
}
