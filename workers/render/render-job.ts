/**
 * `timeline.render`: a timeline snapshot and its source files in, one MP4 (H.264 High / AAC, faststart) out, and on
 * request the HLS ladder for publishing (HLS_RENDITIONS: fMP4 renditions with byte-range segments and a master
 * playlist).
 *
 * Loudness is two-pass: the mix alone (sound only: no picture is decoded or composited) is measured with ebur128
 * (integrated, range, true peak), then the render applies the gain to -14 LUFS. When that gain would push the true
 * peak over -1.5 dBTP, loudnorm (fed the measurements) limits instead, and its report gives the output loudness.
 *
 * One ffmpeg run composites the cut once; with the ladder its picture is split to one scaler and encoder per size.
 * The MP4's encode doubles as the rung of its size (remuxed into HLS, no second encode). Every encode has a keyframe
 * every 2 s and no scene-cut keyframes, so the renditions' segments start on the same frames.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { devNull } from 'node:os';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import type { TimelineSnapshot } from '../../src/lib/editor/model/timeline/snapshot';
import {
  buildAudioGraph,
  buildRenderGraph,
  DEFAULT_FONT_FILE,
  linearGain,
  WEB_LOUDNESS,
  type LoudnormMeasurement,
  type RenderInput,
  type RenderSource
} from '../../src/lib/editor/render/filter-graph';
import {
  encodeLimits,
  HLS_MASTER_VARIANT,
  HLS_PLAYLIST_MIME,
  HLS_RENDITIONS,
  HLS_SEGMENT_SECONDS,
  HLS_VARIANT_PREFIX,
  RENDER_PRESET_NAMES,
  RENDER_PRESETS,
  renderSize,
  type RenderPreset
} from '../../src/lib/render';
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
  /** Also the HLS ladder. */
  hls?: boolean;
}

export interface HlsRendition {
  name: string;
  width: number;
  height: number;
  /** Peak and average segment bit rates (bits/s), as the master playlist states them. */
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
}

export interface RenderedTimeline {
  file: string;
  width: number;
  height: number;
  fps: number;
  /** Of the written file, from ffprobe. */
  duration: number;
  /** `input` is the mix before normalization, `output` the file's sound (loudnorm's report, or input + gain). */
  loudness: { targetLufs: number | null; input: number | null; output: number | null; truePeakDbtp: number | null };
  /** The ladder's files, named as the asset variants they become (the playlists refer to each other by these names). */
  hls: { files: { name: string; file: string; mime: string }[]; renditions: HlsRendition[] } | null;
  warnings: string[];
}

const OUTPUT_NAME = 'render.mp4';
const X264 = {
  preset: 'veryfast',
  // veryfast's motion search cut down to superfast's (diamond, subme 1) keeping its mb-tree: a third less CPU than
  // veryfast at about the same size and SSIM at crf 21 vs 20. No scene-cut keyframes: renditions stay aligned.
  params: 'me=dia:subme=1:scenecut=0',
  crf: '21'
};

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
  const rungs = o.hls ? HLS_RENDITIONS.map((r) => ({ name: r.name, ...renderSize(settings.width, settings.height, r.shortSide) })) : [];
  const sameSize = (a: { width: number; height: number }, b: { width: number; height: number }) => a.width === b.width && a.height === b.height;
  // The MP4's own encode is the rung of its size; the others are encoded alongside it.
  const mp4Rung = rungs.find((r) => sameSize(r, size)) ?? null;
  const encodes = [{ ...size, hls: null as string | null }, ...rungs.filter((r) => r !== mp4Rung).map((r) => ({ width: r.width, height: r.height, hls: r.name }))];
  const canvas = encodes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  const graphOptions = { width: canvas.width, height: canvas.height, fps, range: o.range, fontFile: o.fontFile ?? DEFAULT_FONT_FILE };
  const weights = { measure: target !== null ? 0.08 : 0, remux: mp4Rung ? 0.04 : 0 };

  // Pass 1: loudness of the mix.
  let measured: LoudnormMeasurement | null | undefined;
  if (target !== null) {
    report(0, 'Measuring loudness');
    const audio = buildAudioGraph(o.snapshot, o.sources, graphOptions);
    if (audio.inputs.length) {
      const script = path.join(o.workDir, 'loudness.graph');
      await writeFile(script, `${audio.filterComplex};\n${audio.output}ebur128=peak=true:framelog=verbose[meter]`);
      const command = withInputs(audio.inputs).outputOptions('-hide_banner', '-filter_complex_script', script, '-map', '[meter]').format('null').output(devNull);
      const stderr = await runFfmpeg(command, { signal: o.signal, duration: audio.duration, onProgress: (f) => report(weights.measure * f, 'Measuring loudness') });
      measured = parseEbur128Summary(stderr);
    } else {
      measured = null;
    }
  }
  throwIfAborted(o.signal);

  // Pass 2: the render.
  const graph = buildRenderGraph(o.snapshot, o.sources, { ...graphOptions, loudnessTarget: target ?? undefined, loudnessMeasured: measured, loudnessReport: target !== null });
  const chains = [graph.filterComplex];
  let video = [graph.outputs.video];
  let audio = [graph.outputs.audio];
  if (encodes.length > 1) {
    video = encodes.map((_, i) => `[enc${i}]`);
    audio = encodes.map((_, i) => `[aenc${i}]`);
    const split = encodes.map((_, i) => `[split${i}]`);
    chains.push(`${graph.outputs.video}split=outputs=${encodes.length}${split.join('')}`);
    encodes.forEach((e, i) => chains.push(`${split[i]}${sameSize(e, canvas) ? 'null' : `scale=w=${e.width}:h=${e.height},setsar=r=1`}${video[i]}`));
    chains.push(`${graph.outputs.audio}asplit=outputs=${encodes.length}${audio.join('')}`);
  }
  const script = path.join(o.workDir, 'render.graph');
  await writeFile(script, chains.join(';\n'));
  const out = path.join(o.workDir, OUTPUT_NAME);
  const hlsDir = path.join(o.workDir, 'hls');
  if (rungs.length) await mkdir(hlsDir, { recursive: true });
  const command = withInputs(graph.inputs);
  encodes.forEach((e, i) => {
    command.output(e.hls ? path.join(hlsDir, `${HLS_VARIANT_PREFIX}-${e.hls}.m3u8`) : out);
    command.outputOptions(
      ...(i === 0 ? ['-hide_banner', '-filter_complex_script', script] : []),
      '-map', video[i]!,
      '-map', audio[i]!,
      ...encoderOptions(e, fps),
      // Clips that start late keep their inputs' packets waiting; don't let the muxer give up on them.
      '-max_muxing_queue_size', '4096',
      // The MP4 with moov up front (browsers play and seek before all of it has arrived); other sizes go to HLS.
      ...(e.hls ? hlsOptions(hlsDir, e.hls) : ['-movflags', '+faststart', '-f', 'mp4'])
    );
  });
  const renderEnd = 1 - weights.remux;
  report(weights.measure, 'Rendering');
  const stderr = await runFfmpeg(command, {
    signal: o.signal,
    duration: graph.duration,
    onProgress: (f) => report(weights.measure + (renderEnd - weights.measure) * f * 0.99, 'Rendering')
  });

  let output: number | null = null;
  let truePeak: number | null = null;
  const gain = measured && target !== null ? linearGain(measured, target) : null;
  if (measured && gain !== null) {
    output = round(measured.inputI + gain);
    truePeak = round(measured.inputTp + gain);
  } else if (measured) {
    try {
      const json = parseLoudnormReport(stderr);
      output = finiteOrNull(json.output_i);
      truePeak = finiteOrNull(json.output_tp);
    } catch {
      // The report is informative only.
    }
  }

  let hls: RenderedTimeline['hls'] = null;
  if (rungs.length) {
    if (mp4Rung) {
      report(renderEnd, 'Packaging HLS');
      const remux = ffmpeg(out).outputOptions('-hide_banner', '-map', '0', '-c', 'copy', ...hlsOptions(hlsDir, mp4Rung.name)).output(path.join(hlsDir, `${HLS_VARIANT_PREFIX}-${mp4Rung.name}.m3u8`));
      await runFfmpeg(remux, { signal: o.signal, duration: graph.duration, onProgress: (f) => report(renderEnd + weights.remux * f * 0.99, 'Packaging HLS') });
    }
    hls = await writeMaster(hlsDir, rungs, fps);
  }

  const probed = await readProbe(out);
  const duration = Number(probed.format.duration);
  report(1, 'Rendered');
  return {
    file: out,
    ...size,
    fps,
    duration: Number.isFinite(duration) ? duration : graph.duration,
    loudness: { targetLufs: measured ? target : null, input: measured?.inputI ?? null, output, truePeakDbtp: truePeak },
    hls,
    warnings: graph.warnings
  };
}

function encoderOptions(size: { width: number; height: number }, fps: number): string[] {
  const { maxBitrate, audioBitrate } = encodeLimits(Math.min(size.width, size.height));
  return [
    '-c:v', 'libx264', '-preset', X264.preset, '-x264-params', X264.params, '-crf', X264.crf,
    '-maxrate', String(maxBitrate), '-bufsize', String(2 * maxBitrate),
    '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', String(Math.max(1, Math.round(fps * 2))),
    '-c:a', 'aac', '-b:a', String(audioBitrate), '-ar', '48000', '-ac', '2'
  ];
}

/** One rendition as one fMP4 file (`hls-<name>.mp4`) addressed by byte ranges, with its VOD playlist beside it. */
function hlsOptions(dir: string, name: string): string[] {
  return [
    '-f', 'hls',
    '-hls_time', String(HLS_SEGMENT_SECONDS),
    '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'fmp4',
    '-hls_flags', 'single_file+independent_segments',
    '-hls_segment_filename', path.join(dir, `${HLS_VARIANT_PREFIX}-${name}.mp4`)
  ];
}

/** Reads the renditions' playlists and files, writes the master playlist, and lists the ladder's files. */
async function writeMaster(dir: string, rungs: { name: string; width: number; height: number }[], fps: number): Promise<NonNullable<RenderedTimeline['hls']>> {
  const renditions: HlsRendition[] = [];
  const files: { name: string; file: string; mime: string }[] = [];
  for (const r of rungs) {
    const playlist = `${HLS_VARIANT_PREFIX}-${r.name}.m3u8`;
    const media = `${HLS_VARIANT_PREFIX}-${r.name}.mp4`;
    const { peak, average } = segmentBitrates(await readFile(path.join(dir, playlist), 'utf8'));
    renditions.push({ ...r, bandwidth: peak, averageBandwidth: average, codecs: codecsOf(await readProbe(path.join(dir, media))) });
    files.push({ name: playlist, file: path.join(dir, playlist), mime: HLS_PLAYLIST_MIME }, { name: media, file: path.join(dir, media), mime: 'video/mp4' });
  }
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of renditions) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},AVERAGE-BANDWIDTH=${r.averageBandwidth},RESOLUTION=${r.width}x${r.height},FRAME-RATE=${fps.toFixed(3)},CODECS="${r.codecs}"`,
      `${HLS_VARIANT_PREFIX}-${r.name}.m3u8`
    );
  }
  const master = path.join(dir, HLS_MASTER_VARIANT);
  await writeFile(master, `${lines.join('\n')}\n`);
  return { files: [{ name: HLS_MASTER_VARIANT, file: master, mime: HLS_PLAYLIST_MIME }, ...files], renditions };
}

/** Peak and average bit rate of a media playlist's segments (EXTINF seconds, EXT-X-BYTERANGE lengths). */
export function segmentBitrates(playlist: string): { peak: number; average: number } {
  let seconds: number | null = null;
  let peak = 0;
  let bits = 0;
  let total = 0;
  for (const line of playlist.split(/\r?\n/)) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) seconds = Number(inf[1]);
    const range = /^#EXT-X-BYTERANGE:(\d+)/.exec(line);
    if (range && seconds) {
      const b = Number(range[1]) * 8;
      peak = Math.max(peak, b / seconds);
      bits += b;
      total += seconds;
      seconds = null;
    }
  }
  return { peak: Math.ceil(peak), average: total > 0 ? Math.ceil(bits / total) : 0 };
}

/** RFC 6381 codec names of an H.264 + AAC-LC file, e.g. "avc1.640028,mp4a.40.2". */
function codecsOf(probe: Awaited<ReturnType<typeof readProbe>>): string {
  const codecs: string[] = [];
  const v = probe.streams.find((s) => s.codec_type === 'video');
  if (v) {
    const profile = ({ High: '6400', Main: '4d40', Baseline: '42e0', 'Constrained Baseline': '42e0' } as Record<string, string>)[String(v.profile)] ?? '6400';
    codecs.push(`avc1.${profile}${Number(v.level).toString(16).padStart(2, '0')}`);
  }
  if (probe.streams.some((s) => s.codec_type === 'audio')) codecs.push('mp4a.40.2');
  return codecs.join(',');
}

/**
 * ebur128's summary (printed when the graph ends) as loudnorm measurements: integrated loudness and its gate, loudness
 * range, true peak. null for silence, where there is nothing to normalize.
 */
export function parseEbur128Summary(stderr: string): LoudnormMeasurement | null {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const value = (re: RegExp) => {
    const m = re.exec(summary);
    return m ? Number(m[1]) : NaN;
  };
  if (!summary.startsWith('Summary:')) throw new Error('ebur128 printed no summary');
  const inputI = value(/I:\s+(-?[\d.]+|-inf) LUFS/);
  const inputThresh = value(/Integrated loudness:\s+I:[^\n]*\n\s+Threshold:\s+(-?[\d.]+|-inf) LUFS/);
  const inputLra = value(/LRA:\s+(-?[\d.]+) LU/);
  const inputTp = value(/Peak:\s+(-?[\d.]+|-inf) dBFS/);
  // ebur128 says -70 LUFS (its floor) and a peak of -inf for digital silence.
  if (!Number.isFinite(inputI) || inputI <= -70 || !Number.isFinite(inputTp)) return null;
  return { inputI, inputTp, inputLra: Number.isFinite(inputLra) ? inputLra : 0, inputThresh: Number.isFinite(inputThresh) ? inputThresh : -70, targetOffset: 0 };
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

const round = (x: number) => Math.round(x * 10) / 10;

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
  hls: z.boolean().default(false),
  assets: z.record(
    z.string(),
    z.object({
      duration: z.number().nullable().optional(),
      hasVideo: z.boolean(),
      hasAudio: z.boolean(),
      width: z.number().nullable().optional(),
      height: z.number().nullable().optional(),
      speech: z.array(z.object({ start: z.number(), end: z.number() })).nullable().optional()
    })
  )
});

export type TimelineRenderJobInput = z.infer<typeof jobInput>;

/** Downloads the sources the timeline plays, renders, and stores the MP4 (and the HLS ladder's files). */
export const timelineRenderJob: JobHandler = async (ctx) => {
  const parsed = jobInput.safeParse(ctx.job.input);
  if (!parsed.success) throw new PermanentJobError(`timeline.render takes { snapshot, preset (${RENDER_PRESET_NAMES.join(', ')}), range?, hls?, assets }.`);
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
      still: a.hasVideo && !a.hasAudio && !(duration > 0),
      speech: a.speech
    };
  }

  const rendered = await renderTimeline({
    snapshot,
    sources,
    preset: input.preset,
    range: input.range,
    hls: input.hls,
    workDir: path.join(ctx.workDir, 'render'),
    signal: ctx.signal,
    onProgress: (f, message) => ctx.progress(0.1 + 0.85 * f, message)
  });
  const stored = 1 + (rendered.hls?.files.length ?? 0);
  ctx.progress(0.95, 'Storing the render');
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
  const hls = [];
  for (const [i, f] of (rendered.hls?.files ?? []).entries()) {
    ctx.progress(0.95 + (0.05 * (i + 1)) / stored, 'Storing the HLS ladder');
    const rendition = rendered.hls!.renditions.find((r) => f.name.startsWith(`${HLS_VARIANT_PREFIX}-${r.name}.`));
    hls.push(await ctx.upload(f.name, f.file, f.mime, rendition ? { ...rendition } : { renditions: rendered.hls!.renditions.map((r) => r.name) }));
  }
  ctx.progress(1, 'Done');
  return { file, hls, duration: rendered.duration, warnings: rendered.warnings };
};
