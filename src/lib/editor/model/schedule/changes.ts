import { changedRecord, changeId, type RecordChange } from '../record-change';
import type { BlockSnapshot, ScheduleSettings, ScheduleSnapshot } from './snapshot';

export interface ScheduleSettingsChange {
  op: 'update';
  kind: 'settings';
  patch: Partial<ScheduleSettings>;
}

/** One edit to the schedule as data: what a schedule operation proposes and `Schedule.apply` writes. */
export type ScheduleChange = RecordChange<'block', BlockSnapshot> | ScheduleSettingsChange;

/** The snapshot after the changes, sorted as `Schedule.snapshot()` sorts. Pure: operations check their result with it. */
export function applyScheduleChanges(s: ScheduleSnapshot, changes: readonly ScheduleChange[]): ScheduleSnapshot {
  let settings = s.settings;
  const blocks = new Map(s.blocks.map((b) => [b.id, b]));
  for (const change of changes) {
    if (change.kind === 'settings') {
      settings = { ...settings, ...change.patch };
      continue;
    }
    const id = changeId(change);
    const next = changedRecord(blocks.get(id), change);
    if (next) blocks.set(id, next);
    else blocks.delete(id);
  }
  return sortSchedule({ settings, blocks: [...blocks.values()] });
}

/** Blocks by start minute, then id: the order the week view lists them in. */
export function sortSchedule(s: ScheduleSnapshot): ScheduleSnapshot {
  return { settings: s.settings, blocks: [...s.blocks].sort((a, b) => a.when.startMinute - b.when.startMinute || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}
