import { z } from 'zod';
import { promptSchema } from '../playlist/playlist';
import { newStationId } from '../playlist/ids';
import type { RecordKind } from '../record-map';
import { idSchema } from '../timeline/ids';
import type { BlockId } from './ids';
import { MINUTES_PER_DAY, type BlockSnapshot, type BlockWhen, type PlaylistWeight, type StartMode } from './snapshot';
import { isValidDate, isValidTimeZone } from './wall-time';

export const START_MODES = ['hard', 'soft'] as const satisfies readonly StartMode[];
export const MAX_WEIGHT = 100;
export const MAX_PRIORITY = 100;
export const MAX_BLOCK_PLAYLISTS = 50;
export const MAX_BLOCK_DATES = 400;

export interface Block extends Omit<BlockSnapshot, 'id'> {
  id: BlockId;
}

export const playlistWeightsSchema: z.ZodType<PlaylistWeight[]> = z
  .array(
    z.object({
      playlistId: idSchema<string>('playlist'),
      weight: z.number().int('A weight is a whole number.').min(1, 'A weight is at least 1.').max(MAX_WEIGHT, `A weight is at most ${MAX_WEIGHT}.`)
    })
  )
  .max(MAX_BLOCK_PLAYLISTS, `At most ${MAX_BLOCK_PLAYLISTS} playlists.`)
  .refine((list) => new Set(list.map((p) => p.playlistId)).size === list.length, 'A playlist is listed once (raise its weight instead).');

export const timezoneSchema = z.string().refine(isValidTimeZone, 'Pick a time zone from the list (like Europe/Berlin).');

export const blockWhenSchema: z.ZodType<BlockWhen> = z.object({
  startMinute: z.number().int().min(0, 'A block starts between 00:00 and 23:59.').max(MINUTES_PER_DAY - 1, 'A block starts between 00:00 and 23:59.'),
  weekdays: z
    .array(z.number().int().min(1).max(7))
    .max(7)
    .refine((d) => d.every((x, i) => i === 0 || d[i - 1] < x), 'Weekdays are listed once, Monday first.'),
  dates: z
    .array(z.string().refine(isValidDate, 'A date is YYYY-MM-DD.'))
    .max(MAX_BLOCK_DATES, `At most ${MAX_BLOCK_DATES} dates.`)
    .refine((d) => d.every((x, i) => i === 0 || d[i - 1] < x), 'Dates are listed once, in order.')
});

export const blockNameSchema = z.string().trim().min(1, 'A show needs a name.').max(80, 'A show name has at most 80 characters.');

// Every field is independent of the others, so whatever concurrent edits merge into is a valid block.
export const blockSchema: z.ZodType<Block> = z.object({
  id: idSchema<BlockId>('block'),
  name: blockNameSchema,
  playlists: playlistWeightsSchema,
  when: blockWhenSchema,
  durationMinutes: z
    .number()
    .int('A block lasts whole minutes.')
    .min(1, 'A block lasts at least a minute.')
    .max(MINUTES_PER_DAY, 'A block lasts at most 24 hours (repeat it on more days instead).'),
  timezone: timezoneSchema,
  startMode: z.enum(START_MODES),
  priority: z.number().int().min(-MAX_PRIORITY, `Priority is ${-MAX_PRIORITY} to ${MAX_PRIORITY}.`).max(MAX_PRIORITY, `Priority is ${-MAX_PRIORITY} to ${MAX_PRIORITY}.`),
  prompt: promptSchema
});

export const blockKind: RecordKind<Block> = { collection: 'stationBlocks', schema: blockSchema };

/** Weekdays and dates in the canonical form the schema asks for (sorted, once each). */
export function canonicalWhen(when: BlockWhen): BlockWhen {
  return {
    startMinute: when.startMinute,
    weekdays: [...new Set(when.weekdays)].sort((a, b) => a - b),
    dates: [...new Set(when.dates)].sort()
  };
}

export function newBlock(
  input: { name: string; startMinute: number; durationMinutes: number; timezone: string; id?: string } & Partial<
    Pick<BlockSnapshot, 'playlists' | 'startMode' | 'priority' | 'prompt'> & Pick<BlockWhen, 'weekdays' | 'dates'>
  >
): BlockSnapshot {
  return {
    id: input.id ?? newStationId<BlockId>(),
    name: input.name,
    playlists: input.playlists ?? [],
    when: canonicalWhen({ startMinute: input.startMinute, weekdays: input.weekdays ?? [1, 2, 3, 4, 5, 6, 7], dates: input.dates ?? [] }),
    durationMinutes: input.durationMinutes,
    timezone: input.timezone,
    startMode: input.startMode ?? 'soft',
    priority: input.priority ?? 0,
    prompt: input.prompt ?? null
  };
}
