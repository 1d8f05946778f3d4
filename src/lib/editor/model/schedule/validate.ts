import type { z } from 'zod';
import { blockSchema } from './block';
import { scheduleSettingsSchema } from './schedule-settings';
import type { ScheduleSnapshot } from './snapshot';

/**
 * Everything a sound schedule satisfies, as readable problems (empty when sound): settings and blocks valid, ids
 * unique, blocks sorted, and (given the playlists' ids) every link resolved. Tests run it on every replica's snapshot.
 */
export function validateSchedule(s: ScheduleSnapshot, playlistIds?: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const check = (what: string, schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (!r.success) problems.push(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  };
  check('settings', scheduleSettingsSchema, s.settings);
  if (new Set(s.blocks.map((b) => b.id)).size !== s.blocks.length) problems.push('two blocks share an id');
  s.blocks.forEach((b, i) => {
    check(`block ${b.id}`, blockSchema, b);
    const prev = s.blocks[i - 1];
    if (prev && (prev.when.startMinute > b.when.startMinute || (prev.when.startMinute === b.when.startMinute && prev.id >= b.id))) problems.push(`block ${b.id} is out of order`);
  });
  if (playlistIds) {
    for (const p of s.settings.rotation) if (!playlistIds.has(p.playlistId)) problems.push(`the rotation plays missing playlist ${p.playlistId}`);
    for (const b of s.blocks) for (const p of b.playlists) if (!playlistIds.has(p.playlistId)) problems.push(`block ${b.id} plays missing playlist ${p.playlistId}`);
  }
  return problems;
}
