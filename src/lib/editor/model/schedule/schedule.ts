import type * as Y from 'yjs';
import { changedRecord, changeId } from '../record-change';
import { RecordMap } from '../record-map';
import { blockKind, type Block } from './block';
import type { ScheduleChange } from './changes';
import { normalizeSchedule, type ScheduleReading } from './normalize';
import { readScheduleSettings, SCHEDULE_SETTINGS_MAP, scheduleSettingsSchema, writeScheduleSettings } from './schedule-settings';
import type { ScheduleSettings, ScheduleSnapshot } from './snapshot';

/**
 * The typed face of a project's station schedule: blocks keyed by id in the root Y.Map `stationBlocks`, the rotation
 * and station-wide settings in the `stationSchedule` Y.Map. Edits are computed by the pure functions in
 * `operations.ts` and written by `apply`, inside the caller's transaction (one gesture, one undo step).
 */
export class Schedule {
  readonly blocks: RecordMap<Block>;
  readonly settingsMap: Y.Map<unknown>;

  constructor(readonly doc: Y.Doc) {
    this.blocks = new RecordMap(doc, blockKind);
    this.settingsMap = doc.getMap(SCHEDULE_SETTINGS_MAP);
  }

  /** The shared types a per-user `Y.UndoManager` tracks for schedule edits. */
  get undoScope(): Y.Map<unknown>[] {
    return [this.blocks.ymap, this.settingsMap] as Y.Map<unknown>[];
  }

  settings(): ScheduleSettings {
    return readScheduleSettings(this.settingsMap);
  }

  /** The schedule with what resolving concurrent edits left out; pass the playlists' ids to drop links to deleted ones. */
  read(playlistIds?: ReadonlySet<string>): ScheduleReading {
    return normalizeSchedule({ settings: this.settings(), blocks: this.blocks.all() }, playlistIds);
  }

  snapshot(playlistIds?: ReadonlySet<string>): ScheduleSnapshot {
    return this.read(playlistIds).snapshot;
  }

  /** Writes changes from an operation, inside `ProjectDoc.transact`; validated before the first write, so a stale change set writes nothing. */
  apply(changes: readonly ScheduleChange[]): void {
    if (!this.doc._transaction) throw new Error('Schedule.apply runs inside a transaction (ProjectDoc.transact).');
    const pending = new Map<string, { existed: boolean; after: Block | null }>();
    let settingsPatch: Partial<ScheduleSettings> | null = null;
    for (const change of changes) {
      if (change.kind === 'settings') {
        settingsPatch = { ...(settingsPatch ?? {}), ...change.patch };
        continue;
      }
      const id = changeId(change);
      let entry = pending.get(id);
      if (!entry) {
        const current = this.blocks.get(id);
        pending.set(id, (entry = { existed: current !== undefined, after: current ?? null }));
      }
      entry.after = changedRecord(entry.after ?? undefined, change) as Block | null;
    }
    const valid = [...pending.entries()].map(([id, e]) => ({ id, ...e, after: e.after && blockKind.schema.parse(e.after) }));
    if (settingsPatch) scheduleSettingsSchema.parse({ ...this.settings(), ...settingsPatch });
    for (const { id, existed, after } of valid) {
      if (after === null) this.blocks.delete(id);
      else if (existed) this.blocks.update(id, after);
      else this.blocks.insert(after);
    }
    if (settingsPatch) writeScheduleSettings(this.settingsMap, settingsPatch);
  }

  /** Called after any change to the schedule; returns the unsubscribe function. */
  observe(fn: () => void): () => void {
    const handler = () => fn();
    for (const type of this.undoScope) type.observeDeep(handler);
    return () => {
      for (const type of this.undoScope) type.unobserveDeep(handler);
    };
  }
}
