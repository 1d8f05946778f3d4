/**
 * What the exact preview renders and how: the range, the 360p size, the sources (the assets' web variants instead
 * of the originals) and the ffmpeg command around the server's own filter graph. Pure, so the browser preview and
 * the benchmark's native ffmpeg run build the very same command.
 */
import type { AssetJson } from '../asset';
import { buildRenderGraph, type RenderSource } from '../editor/render/filter-graph';
import { clipEnd, type TimelineSnapshot } from '../editor/model/timeline/snapshot';
import type { SpeechByAsset } from '../editor/model/timeline/speech-ducking';

export const PREVIEW_SHORT_SIDE = 360;
/** "10 s from the playhead". */
export const PLAYHEAD_RANGE_SECONDS = 10;

export type PreviewRangeKind = 'selection' | 'whole' | 'playhead';
export interface TimeRange {
  start: number;
  end: number;
}

/** Timeline seconds to preview; null when there is nothing there (an empty cut, the playhead past the end). */
export function previewRange(kind: PreviewRangeKind, snapshot: TimelineSnapshot, selection: readonly string[], playhead: number): TimeRange | null {
  const clips = snapshot.clips;
  const cutEnd = clips.reduce((end, c) => Math.max(end, clipEnd(c)), 0);
  const frame = 1 / snapshot.settings.fps;
  let range: TimeRange = { start: 0, end: cutEnd };
  if (kind === 'selection') {
    const picked = clips.filter((c) => selection.includes(c.id));
    if (picked.length) range = { start: Math.min(...picked.map((c) => c.start)), end: Math.max(...picked.map(clipEnd)) };
  } else if (kind === 'playhead') {
    range = { start: playhead, end: Math.min(cutEnd, playhead + PLAYHEAD_RANGE_SECONDS) };
  }
  return range.end - range.start >= frame ? range : null;
}

/** The timeline's aspect with the short side at 360, even sides (as the server's renderSize does per preset). */
export function previewSize(width: number, height: number): { width: number; height: number } {
  const k = PREVIEW_SHORT_SIDE / Math.min(width, height);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(width * k), height: even(height * k) };
}

interface SourceFile {
  /** File name inside the input folder. */
  name: string;
  url: string;
  source: Omit<RenderSource, 'input'>;
}

const EXTENSIONS: Record<string, string> = { 'video/mp4': 'mp4', 'image/webp': 'webp', 'audio/mpeg': 'mp3' };

/**
 * The web-size stand-in for an asset: a video's H.264 proxy, an image's web picture, an audio file's broadcast copy
 * (loudness-normalized, so its level can differ from the render's, which reads the original). Undefined while the
 * asset is still being processed.
 */
export function previewSource(asset: AssetJson): SourceFile | undefined {
  const probe = asset.probe as { audio?: { channels?: number } | null } | null;
  const hasAudio = (probe?.audio?.channels ?? 0) > 0;
  const pick = (name: string) => asset.variants.find((v) => v.name === name);
  const file = (v: { mime: string; url: string }, source: SourceFile['source']): SourceFile => ({
    name: `${asset.id}.${EXTENSIONS[v.mime] ?? 'bin'}`,
    url: v.url,
    source
  });
  const duration = asset.duration ?? 0;
  if (asset.kind === 'video') {
    const proxy = pick('proxy');
    // The proxy keeps sound only when the original had some.
    return proxy && file(proxy, { duration, hasVideo: true, hasAudio, width: asset.width ?? undefined, height: asset.height ?? undefined });
  }
  if (asset.kind === 'image') {
    const web = pick('web');
    return web && file(web, { duration: 0, hasVideo: true, hasAudio: false, still: true, width: asset.width ?? undefined, height: asset.height ?? undefined });
  }
  const broadcast = pick('broadcast');
  return broadcast && file(broadcast, { duration, hasVideo: false, hasAudio: true });
}

export interface PreviewPlanOptions {
  /** Where the sources are, as ffmpeg sees them: a folder of files named as in `fetch`. */
  inputDir: string;
  fontFile: string;
  graphFile: string;
  output: string;
}

export interface PreviewPlan {
  range: TimeRange;
  width: number;
  height: number;
  fps: number;
  /** Seconds of output: the range rounded to frames. */
  duration: number;
  filterComplex: string;
  /** ffmpeg's arguments (without the program name); the graph is read from `graphFile`. */
  args: string[];
  /** Only the sources the range plays. */
  fetch: { name: string; url: string }[];
  /** The graph draws titles: the font must be there. */
  needsFont: boolean;
  warnings: string[];
}

/**
 * The server's graph (same builder, same options but loudness, which a preview leaves out) at 360p over `range`,
 * encoded as fast as x264 goes: a preview is watched once. `speech`: speech detection's segments per asset, which
 * speech ducking plays by (as the server's render is given them).
 */
export function planPreview(snapshot: TimelineSnapshot, assets: Record<string, AssetJson>, range: TimeRange, o: PreviewPlanOptions, speech: SpeechByAsset = {}): PreviewPlan {
  const { fps } = snapshot.settings;
  const size = previewSize(snapshot.settings.width, snapshot.settings.height);
  const sources: Record<string, RenderSource> = {};
  const files = new Map<string, { name: string; url: string }>();
  for (const id of new Set(snapshot.clips.flatMap((c) => (c.assetId ? [c.assetId] : [])))) {
    const asset = assets[id];
    const file = asset && previewSource(asset);
    if (!file) continue;
    const input = `${o.inputDir.replace(/\/$/, '')}/${file.name}`;
    sources[id] = { ...file.source, input, speech: speech[id] };
    files.set(input, { name: file.name, url: file.url });
  }
  const graph = buildRenderGraph(snapshot, sources, { ...size, fps, range, fontFile: o.fontFile });
  const used = new Set(graph.inputs.map((i) => i.file));
  const gop = String(Math.max(1, Math.round(fps * 2)));
  const args = [
    '-hide_banner',
    ...graph.inputs.flatMap((i) => [...i.options, '-i', i.file]),
    '-filter_complex_script', o.graphFile,
    '-map', graph.outputs.video,
    '-map', graph.outputs.audio,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', '-pix_fmt', 'yuv420p', '-g', gop,
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2',
    // Clips that start late keep their inputs' packets waiting; don't let the muxer give up on them.
    '-max_muxing_queue_size', '4096',
    '-f', 'mp4', o.output
  ];
  return {
    range,
    ...size,
    fps,
    duration: graph.duration,
    filterComplex: graph.filterComplex,
    args,
    fetch: [...files].filter(([input]) => used.has(input)).map(([, f]) => f),
    needsFont: graph.filterComplex.includes('drawtext='),
    warnings: graph.warnings
  };
}
