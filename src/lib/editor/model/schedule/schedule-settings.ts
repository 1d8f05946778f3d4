import type * as Y from 'yjs';
import { z } from 'zod';
import { playlistWeightsSchema, timezoneSchema } from './block';
import type { ScheduleSettings } from './snapshot';

/** The settings live in this root Y.Map, not in a RecordMap: there is exactly one of them. */
export const SCHEDULE_SETTINGS_MAP = 'stationSchedule';

export const MAX_BREAK_SECONDS = 30;
export const MAX_HARD_START_FADE_SECONDS = 10;

export const DEFAULT_SCHEDULE_SETTINGS: ScheduleSettings = { timezone: 'UTC', rotation: [], breakSeconds: 3, hardStartFadeSeconds: 2 };

// Each field is read and written on its own: a teammate's new rotation and your break length both land.
const fieldSchemas = {
  timezone: timezoneSchema,
  rotation: playlistWeightsSchema,
  breakSeconds: z.number().min(0, 'The break is 0 seconds or more.').max(MAX_BREAK_SECONDS, `The break is at most ${MAX_BREAK_SECONDS} seconds.`),
  hardStartFadeSeconds: z.number().min(0, 'The fade is 0 seconds or more.').max(MAX_HARD_START_FADE_SECONDS, `The fade is at most ${MAX_HARD_START_FADE_SECONDS} seconds.`)
} satisfies { [K in keyof ScheduleSettings]: z.ZodType<ScheduleSettings[K]> };

export const scheduleSettingsSchema: z.ZodType<ScheduleSettings> = z.object(fieldSchemas);

const FIELDS = Object.keys(fieldSchemas) as (keyof ScheduleSettings)[];

export function readScheduleSettings(map: Y.Map<unknown>): ScheduleSettings {
  const out = { ...DEFAULT_SCHEDULE_SETTINGS } as Record<keyof ScheduleSettings, unknown>;
  for (const key of FIELDS) {
    const r = fieldSchemas[key].safeParse(map.get(key));
    if (r.success) out[key] = r.data;
  }
  return out as ScheduleSettings;
}

/** Call inside a transaction. Writes only the fields the patch names and that change. Throws when the result is invalid. */
export function writeScheduleSettings(map: Y.Map<unknown>, patch: Partial<ScheduleSettings>): void {
  const current = readScheduleSettings(map);
  const next = scheduleSettingsSchema.parse({ ...current, ...patch });
  for (const key of FIELDS) {
    if (patch[key] === undefined) continue;
    if (JSON.stringify(next[key]) !== JSON.stringify(current[key]) || !map.has(key)) map.set(key, next[key]);
  }
}
