/**
 * Schedule edits as pure functions: a snapshot (as `Schedule.snapshot()` reads it) and a gesture in, the changes that
 * make it (for `Schedule.apply`) or a reason a user can read. Times on the week calendar are local wall minutes.
 */
import { newStationId } from '../playlist/ids';
import type { PlaylistsSnapshot } from '../playlist/snapshot';
import { blockSchema, canonicalWhen, newBlock } from './block';
import { applyScheduleChanges, type ScheduleChange } from './changes';
import type { BlockId } from './ids';
import { scheduleSettingsSchema } from './schedule-settings';
import { MINUTES_PER_DAY, type BlockSnapshot, type BlockWhen, type PlaylistWeight, type ScheduleSettings, type ScheduleSnapshot } from './snapshot';
import { addDays } from './wall-time';

export interface ScheduleOperationOptions {
  /** New record ids; tests pass a counter so a seed replays the same ids. */
  newId?: () => string;
  /** The playlists as the editor sees them: when given, links to playlists that no longer exist are refused. */
  playlists?: PlaylistsSnapshot;
}

export type ScheduleOperationResult = { ok: true; changes: ScheduleChange[]; created: string[] } | { ok: false; reason: string };

export type BlockFields = Partial<Pick<BlockSnapshot, 'name' | 'playlists' | 'timezone' | 'startMode' | 'priority' | 'prompt'> & Pick<BlockWhen, 'weekdays' | 'dates'>>;

const refuse = (reason: string): ScheduleOperationResult => ({ ok: false, reason });
const done = (): ScheduleOperationResult => ({ ok: true, changes: [], created: [] });
const GONE = 'That show is no longer on the schedule.';
const update = (id: string, patch: Partial<Omit<BlockSnapshot, 'id'>>): ScheduleChange => ({ op: 'update', kind: 'block', id, patch });
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Checks the result as `Schedule.apply` will, plus what only a gesture must respect (a block occurs somewhere, links resolve). */
function commit(s: ScheduleSnapshot, changes: ScheduleChange[], opts: ScheduleOperationOptions, created: string[] = []): ScheduleOperationResult {
  const next = applyScheduleChanges(s, changes);
  const known = opts.playlists && new Set(opts.playlists.playlists.map((p) => p.id));
  const unknownIn = (list: readonly PlaylistWeight[]) => known && list.some((p) => !known.has(p.playlistId));
  for (const change of changes) {
    if (change.kind === 'settings') {
      const r = scheduleSettingsSchema.safeParse(next.settings);
      if (!r.success) return refuse(r.error.issues[0].message);
      if (change.patch.rotation && unknownIn(change.patch.rotation)) return refuse('A playlist in the rotation no longer exists.');
      continue;
    }
    if (change.op === 'delete') continue;
    const id = change.op === 'insert' ? change.record.id : change.id;
    const block = next.blocks.find((b) => b.id === id);
    const r = blockSchema.safeParse(block);
    if (!r.success) return refuse(r.error.issues[0].message);
    if (block!.when.weekdays.length === 0 && block!.when.dates.length === 0) return refuse('Pick at least one weekday or date for the show.');
    const patched = change.op === 'insert' ? change.record.playlists : change.patch.playlists;
    if (patched && unknownIn(patched)) return refuse('A playlist for this show no longer exists.');
  }
  return { ok: true, changes, created };
}

function blockById(s: ScheduleSnapshot, id: string): BlockSnapshot | undefined {
  return s.blocks.find((b) => b.id === id);
}

/** Shifts a block's days by whole days: weekdays wrap around the week, dates move on the calendar. */
function shiftDays(when: BlockWhen, days: number, startMinute: number): BlockWhen {
  return canonicalWhen({
    startMinute,
    weekdays: when.weekdays.map((d) => ((((d - 1 + days) % 7) + 7) % 7) + 1),
    dates: when.dates.map((d) => addDays(d, days))
  });
}

/** A wall minute that may be dragged past midnight either way, as a day shift and a minute of that day. */
function splitMinute(minute: number, dayShift: number): { days: number; startMinute: number } {
  const total = Math.round(minute) + dayShift * MINUTES_PER_DAY;
  return { days: Math.floor(total / MINUTES_PER_DAY), startMinute: ((total % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY };
}

/** A new show. Default: every day, soft start, priority 0, in the station's zone. */
export function createBlock(
  s: ScheduleSnapshot,
  args: { name: string; startMinute: number; durationMinutes: number } & BlockFields,
  opts: ScheduleOperationOptions = {}
): ScheduleOperationResult {
  const record = newBlock({ ...args, name: args.name.trim(), timezone: args.timezone ?? s.settings.timezone, id: (opts.newId ?? newStationId<BlockId>)() });
  return commit(s, [{ op: 'insert', kind: 'block', record }], opts, [record.id]);
}

/**
 * Drags a show on the week calendar: its start goes to `startMinute` (may be past midnight either way) `dayShift`
 * days later, and every weekday and date of the block moves with it. The length is kept.
 */
export function moveBlock(s: ScheduleSnapshot, args: { blockId: string; startMinute: number; dayShift?: number }, opts: ScheduleOperationOptions = {}): ScheduleOperationResult {
  const block = blockById(s, args.blockId);
  if (!block) return refuse(GONE);
  const { days, startMinute } = splitMinute(args.startMinute, args.dayShift ?? 0);
  const when = shiftDays(block.when, days, startMinute);
  return same(when, block.when) ? done() : commit(s, [update(block.id, { when })], opts);
}

/**
 * Drags an edge of a show. The end edge sets the length; the start edge moves the start (past midnight either way,
 * with `dayShift`) and keeps the end where it was.
 */
export function resizeBlock(
  s: ScheduleSnapshot,
  args: { blockId: string; edge: 'end'; durationMinutes: number } | { blockId: string; edge: 'start'; startMinute: number; dayShift?: number },
  opts: ScheduleOperationOptions = {}
): ScheduleOperationResult {
  const block = blockById(s, args.blockId);
  if (!block) return refuse(GONE);
  if (args.edge === 'end') {
    const durationMinutes = Math.round(args.durationMinutes);
    return durationMinutes === block.durationMinutes ? done() : commit(s, [update(block.id, { durationMinutes })], opts);
  }
  const { days, startMinute } = splitMinute(args.startMinute, args.dayShift ?? 0);
  const durationMinutes = block.durationMinutes - (days * MINUTES_PER_DAY + startMinute - block.when.startMinute);
  if (durationMinutes < 1) return refuse('A show lasts at least a minute: the start cannot pass its end.');
  if (durationMinutes === block.durationMinutes) return done();
  return commit(s, [update(block.id, { when: shiftDays(block.when, days, startMinute), durationMinutes })], opts);
}

/** The show's form: name, playlists and weights, days, dates, zone, start mode, priority, prompt (only the fields named). */
export function editBlock(s: ScheduleSnapshot, args: { blockId: string } & BlockFields, opts: ScheduleOperationOptions = {}): ScheduleOperationResult {
  const block = blockById(s, args.blockId);
  if (!block) return refuse(GONE);
  const patch: Partial<Omit<BlockSnapshot, 'id'>> = {};
  if (args.name !== undefined && args.name.trim() !== block.name) patch.name = args.name.trim();
  for (const key of ['playlists', 'timezone', 'startMode', 'priority'] as const) {
    if (args[key] !== undefined && !same(args[key], block[key])) (patch as Record<string, unknown>)[key] = args[key];
  }
  if (args.prompt !== undefined) {
    const prompt = args.prompt?.trim() || null;
    if (prompt !== block.prompt) patch.prompt = prompt;
  }
  if (args.weekdays !== undefined || args.dates !== undefined) {
    const when = canonicalWhen({ startMinute: block.when.startMinute, weekdays: args.weekdays ?? block.when.weekdays, dates: args.dates ?? block.when.dates });
    if (!same(when, block.when)) patch.when = when;
  }
  return Object.keys(patch).length ? commit(s, [update(block.id, patch)], opts) : done();
}

export function deleteBlock(s: ScheduleSnapshot, args: { blockId: string }, opts: ScheduleOperationOptions = {}): ScheduleOperationResult {
  if (!blockById(s, args.blockId)) return refuse(GONE);
  return commit(s, [{ op: 'delete', kind: 'block', id: args.blockId }], opts);
}

/** What plays when no show does (and when a show has nothing playable). */
export function setRotation(s: ScheduleSnapshot, args: { rotation: PlaylistWeight[] }, opts: ScheduleOperationOptions = {}): ScheduleOperationResult {
  if (same(args.rotation, s.settings.rotation)) return done();
  return commit(s, [{ op: 'update', kind: 'settings', patch: { rotation: args.rotation } }], opts);
}

/** The station's zone, the break between shows and the hard-start fade. */
export function setScheduleSettings(
  s: ScheduleSnapshot,
  args: Partial<Pick<ScheduleSettings, 'timezone' | 'breakSeconds' | 'hardStartFadeSeconds'>>,
  opts: ScheduleOperationOptions = {}
): ScheduleOperationResult {
  const patch: Partial<ScheduleSettings> = {};
  for (const key of ['timezone', 'breakSeconds', 'hardStartFadeSeconds'] as const) {
    if (args[key] !== undefined && args[key] !== s.settings[key]) (patch as Record<string, unknown>)[key] = args[key];
  }
  return Object.keys(patch).length ? commit(s, [{ op: 'update', kind: 'settings', patch }], opts) : done();
}

/** Removes a playlist from every show and the rotation: the other half of deleting it (one transaction, one undo). */
export function forgetPlaylist(s: ScheduleSnapshot, args: { playlistId: string }, opts: ScheduleOperationOptions = {}): ScheduleOperationResult {
  const without = (list: PlaylistWeight[]) => list.filter((p) => p.playlistId !== args.playlistId);
  const changes: ScheduleChange[] = s.blocks.filter((b) => b.playlists.some((p) => p.playlistId === args.playlistId)).map((b) => update(b.id, { playlists: without(b.playlists) }));
  if (s.settings.rotation.some((p) => p.playlistId === args.playlistId)) changes.push({ op: 'update', kind: 'settings', patch: { rotation: without(s.settings.rotation) } });
  return changes.length ? commit(s, changes, opts) : done();
}
