/** Render presets as the API, the studio and the render worker know them. Sizes follow the timeline's aspect. */
export const RENDER_PRESETS = {
  'mp4-1080p': { label: 'MP4 1080p (H.264 High, AAC)', shortSide: 1080 },
  'mp4-720p': { label: 'MP4 720p (H.264 High, AAC)', shortSide: 720 },
  'mp4-480p': { label: 'MP4 480p (H.264 High, AAC)', shortSide: 480 }
} as const;
export type RenderPreset = keyof typeof RENDER_PRESETS;
export const RENDER_PRESET_NAMES = Object.keys(RENDER_PRESETS) as RenderPreset[];

export const TIMELINE_RENDER = 'timeline.render';

/**
 * The publishing ladder (`hls: true` on a render): HLS renditions as fMP4 files with byte-range segments, keyframes
 * every 2 s in each so ~6 s segments line up across them. Each rung's bitrate cap (VBV) keeps players' bandwidth
 * estimates honest; the MP4 of the same size is encoded the same way and becomes that rung.
 */
export const HLS_RENDITIONS = [
  { name: '1080p', shortSide: 1080, maxBitrate: 8_000_000, audioBitrate: 192_000 },
  { name: '720p', shortSide: 720, maxBitrate: 5_000_000, audioBitrate: 128_000 },
  { name: '480p', shortSide: 480, maxBitrate: 2_500_000, audioBitrate: 128_000 }
] as const;
export const HLS_SEGMENT_SECONDS = 6;
/** Variant names on the render asset: the master playlist, then per rendition `hls-<name>.m3u8` and `hls-<name>.mp4`. */
export const HLS_MASTER_VARIANT = 'hls.m3u8';
export const HLS_VARIANT_PREFIX = 'hls';
export const HLS_PLAYLIST_MIME = 'application/vnd.apple.mpegurl';

/** Encoder limits for a picture of this short side: the ladder rung's, or the nearest larger one's. */
export function encodeLimits(shortSide: number): { maxBitrate: number; audioBitrate: number } {
  const rung = [...HLS_RENDITIONS].reverse().find((r) => r.shortSide >= shortSide) ?? HLS_RENDITIONS[0];
  return { maxBitrate: Math.round((rung.maxBitrate * shortSide) / rung.shortSide), audioBitrate: rung.audioBitrate };
}

/** The output size for a timeline of `width`×`height` at a preset (or a short side): even dimensions, its aspect. */
export function renderSize(width: number, height: number, preset: RenderPreset | number): { width: number; height: number } {
  const short = typeof preset === 'number' ? preset : RENDER_PRESETS[preset].shortSide;
  const k = short / Math.min(width, height);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(width * k), height: even(height * k) };
}
