import * as Y from 'yjs';
import { z } from 'zod';
import { TIMELINE_PRESETS, type TimelineSettings } from './snapshot';

export type TimelinePreset = keyof typeof TIMELINE_PRESETS;
export const TIMELINE_PRESET_NAMES = Object.keys(TIMELINE_PRESETS) as TimelinePreset[];

/** The settings live in this root Y.Map, not in a RecordMap: there is exactly one of them. */
export const SETTINGS_MAP = 'timeline';

// Even sizes: yuv420p (what H.264 players expect) halves both dimensions.
const dimension = z.number().int().min(16).max(7680).refine((n) => n % 2 === 0, 'Width and height must be even.');
const sizeSchema = z.object({ width: dimension, height: dimension });
const fpsSchema = z.number().gt(0).max(120);

export const timelineSettingsSchema: z.ZodType<TimelineSettings> = z.object({ width: dimension, height: dimension, fps: fpsSchema });

export const DEFAULT_SETTINGS: TimelineSettings = settingsOf('landscape');

export function settingsOf(preset: TimelinePreset): TimelineSettings {
  const { width, height, fps } = TIMELINE_PRESETS[preset];
  return { width, height, fps };
}

/** The preset these settings match, or null for a custom size. */
export function presetOf(settings: TimelineSettings): TimelinePreset | null {
  return TIMELINE_PRESET_NAMES.find((p) => TIMELINE_PRESETS[p].width === settings.width && TIMELINE_PRESETS[p].height === settings.height) ?? null;
}

/**
 * Width and height are stored together as one `size` field (last writer wins on the pair) so two people picking
 * different presets at once end on one of them, never 1920×1920. fps is its own field: it combines with any size.
 */
export function readSettings(map: Y.Map<unknown>): TimelineSettings {
  const size = sizeSchema.safeParse(map.get('size'));
  const fps = fpsSchema.safeParse(map.get('fps'));
  return {
    width: size.success ? size.data.width : DEFAULT_SETTINGS.width,
    height: size.success ? size.data.height : DEFAULT_SETTINGS.height,
    fps: fps.success ? fps.data : DEFAULT_SETTINGS.fps
  };
}

/**
 * Call inside a transaction. Writes only the fields the patch names, so changing fps never re-asserts the size over
 * a teammate's concurrent preset pick. Throws when the result is invalid.
 */
export function writeSettings(map: Y.Map<unknown>, patch: Partial<TimelineSettings>): void {
  const current = readSettings(map);
  const next = timelineSettingsSchema.parse({ ...current, ...patch });
  const sizeNamed = patch.width !== undefined || patch.height !== undefined;
  if (sizeNamed && (next.width !== current.width || next.height !== current.height || !map.has('size'))) map.set('size', { width: next.width, height: next.height });
  if (patch.fps !== undefined && (next.fps !== current.fps || !map.has('fps'))) map.set('fps', next.fps);
}
