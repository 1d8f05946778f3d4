/** Render presets as the API, the studio and the render worker know them. Sizes follow the timeline's aspect. */
export const RENDER_PRESETS = {
  'mp4-1080p': { label: 'MP4 1080p (H.264 High, AAC)', shortSide: 1080 },
  'mp4-720p': { label: 'MP4 720p (H.264 High, AAC)', shortSide: 720 },
  'mp4-480p': { label: 'MP4 480p (H.264 High, AAC)', shortSide: 480 }
} as const;
export type RenderPreset = keyof typeof RENDER_PRESETS;
export const RENDER_PRESET_NAMES = Object.keys(RENDER_PRESETS) as RenderPreset[];

export const TIMELINE_RENDER = 'timeline.render';

/** The output size for a timeline of `width`×`height` at a preset: the short side fixed, even dimensions. */
export function renderSize(width: number, height: number, preset: RenderPreset): { width: number; height: number } {
  const short = RENDER_PRESETS[preset].shortSide;
  const k = short / Math.min(width, height);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return { width: even(width * k), height: even(height * k) };
}
