/**
 * `timeline.render`: a timeline snapshot and its source files in, one MP4 (H.264 High / AAC, faststart) out.
 *
 * Loudness is two-pass: the mix alone (sound only, so cheap: no picture is decoded or composited) goes through
 * loudnorm with print_format=json; the render then applies those measurements with linear=true, which is a plain
 * gain landing on -14 LUFS (loudnorm falls back to its dynamic mode when that gain would push the true peak over
 * -1.5 dBTP). The render's own loudnorm report gives the output loudness stored in the file's meta.
 *
 * No HLS ladder yet: the one MP4 is the result.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { devNull } from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import type { TimelineSnapshot } from '../../src/lib/editor/model/timeline/snapshot';
import {
  buildAudioGraph,
  buildRenderGraph,
  DEFAULT_FONT_FILE,
  WEB_LOUDNESS,
  type LoudnormMeasurement,
  type RenderInput,
  type RenderSource
} from '../../src/lib/editor/render/filter-graph';
import { RENDER_PRESET_NAMES, RENDER_PRESETS, renderSize, type RenderPreset } from '../../src/lib/render';
import { throwIfAborted } from '../media/abort';
import { parseLoudnormReport } from '../media/loudness';
import { readProbe } from '../media/probe';
import { runFfmpeg } from '../media/run-ffmpeg';
import { PermanentJobError, type JobHandler } from '../worker-client';

export interface RenderTimelineOptions {
  snapshot: TimelineSnapshot;
  sources: Record<string, RenderSource>;
  /** A named preset (short side, timeline aspect) or an explicit output size. */
  preset: RenderPreset | { width: number; height: number };
  range?: { start: number; end: number };
  workDir: string;
  onProgress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
  fontFile?: string;
  /** LUFS; default -14 (web delivery). null: no normalization. */
  loudnessTarget?: number | null;
  /** x264 speed/size trade-off; default veryfast. */
  x264Preset?: string;
}

export interface RenderedTimeline {
  file: string;
  width: number;
  height: number;
  fps: number;
  /** Of the written file, from ffprobe. */
  duration: number;
  /** As loudnorm measured it: `input` is the mix before normalization, `output` the file's sound. */
  loudness: { targetLufs: number | null; input: number | null; output: number | null; truePeakDbtp: number | null };
  warnings: string[];
}

const OUTPUT_NAME = 'render.mp4';

export async function renderTimeline(o: RenderTimelineOptions): Promise<RenderedTimeline> {
  throwIfAborted(o.signal);
  await mkdir(o.workDir, { recursive: true });
  const report = monotonic(o.onProgress);
  const settings = o.snapshot?.settings;
  if (!settings || !(settings.width > 0) || !(settings.height > 0) || !(settings.fps > 0)) throw new PermanentJobError('The timeline has no valid settings.');
  const size =
    typeof o.preset === 'string'
      ? renderSize(settings.width, settings.height, o.preset)
      : { width: Math.max(2, Math.round(o.preset.width / 2) * 2), height: Math.max(2, Math.round(o.preset.height / 2) * 2) };
  const fps = settings.fps;
  const target = o.loudnessTarget === undefined ? WEB_LOUDNESS.integratedLufs : o.loudnessTarget;
  const graphOptions = { ...size, fps, range: o.range, fontFile: o.fontFile ?? DEFAULT_FONT_FILE };

  // Pass 1: loudness of the mix.
  let measured: LoudnormMeasurement | null | undefined;
  let inputLufs: number | null = null;
  if (target !== null) {
    report(0, 'Measuring loudness');
    const audio = buildAudioGraph(o.snapshot, o.sources, { ...graphOptions, loudnessTarget: target, loudnessReport: true });
    if (audio.filterComplex.includes('loudnorm')) {
      const script = path.join(o.workDir, 'loudness.graph');
      await writeFile(script, audio.filterComplex);
      const command = withInputs(audio.inputs)
        .outputOptions('-hide_banner', '-filter_complex_script', script, '-map', audio.output)
        .format('null')
        .output(devNull);
      const stderr = await runFfmpeg(command, { signal: o.signal, duration: audio.duration, onProgress: (f) => report(0.15 * f, 'Measuring loudness') });
      const json = parseLoudnormReport(stderr);
      const values = {
        inputI: Number(json.input_i),
        inputTp: Number(json.input_tp),
        inputLra: Number(json.input_lra),
        inputThresh: Number(json.input_thresh),
        targetOffset: Number(json.target_offset)
      };
      // -inf (silence) is not a level to correct.
      measured = Object.values(values).every(Number.isFinite) ? values : null;
      inputLufs = measured?.inputI ?? null;
    } else {
      measured = null;
    }
  }
  throwIfAborted(o.signal);

  // Pass 2: the render.
  const graph = buildRenderGraph(o.snapshot, o.sources, {
    ...graphOptions,
    loudnessTarget: target ?? undefined,
    loudnessMeasured: measured,
    loudnessReport: target !== null
  });
  const script = path.join(o.workDir, 'render.graph');
  await writeFile(script, graph.filterComplex);
  const out = path.join(o.workDir, OUTPUT_NAME);
  const gop = String(Math.max(1, Math.round(fps * 2)));
  const command = withInputs(graph.inputs)
    .outputOptions(
      '-hide_banner',
      '-filter_complex_script', script,
      '-map', graph.outputs.video,
      '-map', graph.outputs.audio,
      '-c:v', 'libx264', '-preset', o.x264Preset ?? 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-crf', '20', '-g', gop,
      '-c:a', 'aac', '-b:a', '192k', '-ar', '48000', '-ac', '2',
      // moov up front so browsers can play and seek before the whole file has arrived.
      '-movflags', '+faststart',
      // Clips that start late keep their inputs' packets waiting; don't let the muxer give up on them.
      '-max_muxing_queue_size', '4096'
    )
    .format('mp4')
    .output(out);
  const start = target !== null ? 0.15 : 0;
  report(start, 'Rendering');
  const stderr = await runFfmpeg(command, { signal: o.signal, duration: graph.duration, onProgress: (f) => report(start + (1 - start) * f * 0.99, 'Rendering') });
  let output: number | null = null;
  let truePeak: number | null = null;
  if (measured) {
    try {
      const json = parseLoudnormReport(stderr);
      output = finiteOrNull(json.output_i);
      truePeak = finiteOrNull(json.output_tp);
    } catch {
      // The report is informative only.
    }
  }
  const probed = await readProbe(out);
  const duration = Number(probed.format.duration);
  report(1, 'Rendered');
  return {
    file: out,
    ...size,
    fps,
    duration: Number.isFinite(duration) ? duration : graph.duration,
    loudness: { targetLufs: measured ? target : null, input: inputLufs, output, truePeakDbtp: truePeak },
    warnings: graph.warnings
  };
}

/** Inputs with their own options; variadic so fluent-ffmpeg never splits an option at a space. */
function withInputs(inputs: RenderInput[]) {
  const command = ffmpeg();
  // fluent-ffmpeg probes input 0 once a progress listener exists; a graph made only of sources (empty timeline)
  // gets an unused one-frame input so there is something to probe.
  if (!inputs.length) command.input('color=c=black:s=16x16:r=1:d=1').inputOptions('-f', 'lavfi');
  for (const input of inputs) {
    command.input(input.file);
    if (input.options.length) command.inputOptions(...(input.options as [string, ...string[]]));
  }
  return command;
}

function finiteOrNull(value: unknown): number | null {
  const n = Number(value);
  return value !== undefined && value !== null && String(value).trim() !== '' && Number.isFinite(n) ? n : null;
}

function monotonic(onProgress?: (fraction: number, message: string) => void) {
  let last = 0;
  return (fraction: number, message: string) => {
    last = Math.max(last, Math.min(1, fraction));
    onProgress?.(last, message);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The job

const jobInput = z.object({
  snapshot: z
    .object({
      settings: z.object({ width: z.number().positive(), height: z.number().positive(), fps: z.number().positive() }),
      tracks: z.array(z.any()),
      clips: z.array(z.any()),
      transitions: z.array(z.any()).default([]),
      markers: z.array(z.any()).default([])
    })
    .passthrough(),
  preset: z.enum(RENDER_PRESET_NAMES as [RenderPreset, ...RenderPreset[]]),
  range: z.object({ start: z.number(), end: z.number() }).optional(),
  assets: z.record(
    z.string(),
    z.object({
      duration: z.number().nullable().optional(),
      hasVideo: z.boolean(),
      hasAudio: z.boolean(),
      width: z.number().nullable().optional(),
      height: z.number().nullable().optional()
    })
  )
});

export type TimelineRenderJobInput = z.infer<typeof jobInput>;

/** Downloads the sources the timeline plays, renders, and stores the MP4. */
export const timelineRenderJob: JobHandler = async (ctx) => {
  const parsed = jobInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`timeline.render takes { snapshot, preset (${RENDER_PRESET_NAMES.join(', ')}), range?, assets }.`);
  const input = parsed.data;
  const snapshot = input.snapshot as unknown as TimelineSnapshot;
  const used = [...new Set(snapshot.clips.flatMap((c) => (c && typeof c.assetId === 'string' && input.assets[c.assetId] ? [c.assetId] : [])))];

  const sources: Record<string, RenderSource> = {};
  for (const [i, id] of used.entries()) {
    throwIfAborted(ctx.signal);
    ctx.progress((0.1 * i) / used.length, `Downloading source ${i + 1} of ${used.length}`);
    const file = path.join(ctx.workDir, `source-${i}`);
    await ctx.download(`asset:${id}`, file);
    const a = input.assets[id]!;
    const duration = a.duration ?? 0;
    sources[id] = {
      input: file,
      duration,
      hasVideo: a.hasVideo,
      hasAudio: a.hasAudio,
      width: a.width ?? undefined,
      height: a.height ?? undefined,
      // Pictures have no duration: they are held for as long as their clip lasts.
      still: a.hasVideo && !a.hasAudio && !(duration > 0)
    };
  }

  const rendered = await renderTimeline({
    snapshot,
    sources,
    preset: input.preset,
    range: input.range,
    workDir: path.join(ctx.workDir, 'render'),
    signal: ctx.signal,
    onProgress: (f, message) => ctx.progress(0.1 + 0.85 * f, message)
  });
  ctx.progress(0.96, 'Storing the render');
  const file = await ctx.upload(OUTPUT_NAME, rendered.file, 'video/mp4', {
    width: rendered.width,
    height: rendered.height,
    fps: rendered.fps,
    duration: rendered.duration,
    loudness: rendered.loudness.output,
    preset: input.preset,
    label: RENDER_PRESETS[input.preset].label,
    warnings: rendered.warnings
  });
  ctx.progress(1, 'Done');
  return { file, duration: rendered.duration, warnings: rendered.warnings };
};
