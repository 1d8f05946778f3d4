import { createBlockCommand } from '$lib/editor/commands/schedule/create-block';
import { deleteBlockCommand } from '$lib/editor/commands/schedule/delete-block';
import { editBlockCommand } from '$lib/editor/commands/schedule/edit-block';
import { moveBlockCommand } from '$lib/editor/commands/schedule/move-block';
import { resizeBlockCommand } from '$lib/editor/commands/schedule/resize-block';
import { scheduleView } from '$lib/editor/commands/schedule/schedule-command';
import { setDefaultRotationCommand } from '$lib/editor/commands/schedule/set-default-rotation';
import { setScheduleSettingsCommand } from '$lib/editor/commands/schedule/set-schedule-settings';
import type { PlaylistsSnapshot } from '$lib/editor/model/playlist/snapshot';
import type { BlockFields } from '$lib/editor/model/schedule/operations';
import { Occurrences, scheduleOverlaps, type BlockOccurrence, type ScheduleOverlap } from '$lib/editor/model/schedule/occurrences';
import { planPlayout, type PlannedItem } from '$lib/editor/model/schedule/playout-plan';
import { DEFAULT_SCHEDULE_SETTINGS } from '$lib/editor/model/schedule/schedule-settings';
import type { BlockSnapshot, PlaylistWeight, ScheduleSnapshot } from '$lib/editor/model/schedule/snapshot';
import { addDays, isoWeekday } from '$lib/editor/model/schedule/wall-time';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { StationEditing } from './station-editing.svelte';
import type { StationLibrary } from './station-library.svelte';
import { presenceMarks, type PresenceMark } from './station-presence';
import { MINUTES_PER_DAY, mondayOf, weekDates, weekRange } from './week-grid';

const DAY_MS = 86_400_000;
/** The preview plans from a fresh start each minute: enough to follow edits, cheap to compute. */
const PLAN_TICK_MS = 60_000;

/**
 * The week calendar's local state for one open studio: the live schedule and playlists, the week shown (in the
 * station's zone), the selected show, the one open in the form, and everyone else's selected show.
 */
export class ScheduleView {
  snapshot = $state.raw<ScheduleSnapshot>({ settings: DEFAULT_SCHEDULE_SETTINGS, blocks: [] });
  playlists = $state.raw<PlaylistsSnapshot>({ playlists: [], items: [] });
  /** The Monday (local date in the station's zone) of the week shown. */
  monday = $state('');
  #selected = $state<string | null>(null);
  /** The show open in the form (double-click, Enter, or just created). */
  formBlockId = $state<string | null>(null);
  /** The time the "Up next" preview plans from. */
  now = $state(Date.now());
  readonly editing: StationEditing;
  readonly #stop: () => void;

  constructor(
    readonly session: ProjectSession,
    readonly library: StationLibrary
  ) {
    this.editing = new StationEditing(session);
    const refresh = () => {
      this.playlists = session.project.playlists.snapshot();
      this.snapshot = scheduleView(session.project);
      if (this.#selected && !this.snapshot.blocks.some((b) => b.id === this.#selected)) this.selected = null;
      if (this.formBlockId && !this.snapshot.blocks.some((b) => b.id === this.formBlockId)) this.formBlockId = null;
    };
    refresh();
    this.monday = mondayOf(this.now, this.zone);
    let dirty = false;
    const offs = [session.project.schedule.observe(() => (dirty = true)), session.project.playlists.observe(() => (dirty = true))];
    const after = () => {
      if (!dirty) return;
      dirty = false;
      refresh();
    };
    session.doc.on('afterTransaction', after);
    const tick = setInterval(() => (this.now = Date.now()), PLAN_TICK_MS);
    this.#stop = () => {
      offs.forEach((off) => off());
      session.doc.off('afterTransaction', after);
      clearInterval(tick);
    };
  }

  get zone(): string {
    return this.snapshot.settings.timezone;
  }

  get dates(): string[] {
    return weekDates(this.monday);
  }

  get range(): { from: number; to: number } {
    return weekRange(this.monday, this.zone);
  }

  /** Every occurrence that shows on the week (started up to two days before it, since a block lasts up to a day). */
  get occurrences(): BlockOccurrence[] {
    const { from, to } = this.range;
    return new Occurrences(this.snapshot.blocks).starting(from - 2 * DAY_MS, to - 1).filter((o) => o.end > from);
  }

  get overlaps(): ScheduleOverlap[] {
    const { from, to } = this.range;
    return scheduleOverlaps(this.snapshot.blocks, from, to);
  }

  /** The next ten items as the plan has them now: the effect of edits, not what the station is airing. */
  get plan(): PlannedItem[] {
    try {
      return planPlayout({
        playlists: this.playlists,
        schedule: this.snapshot,
        assets: this.library.stationAssets,
        channel: { id: 'preview', crossfadeSeconds: 0, fallbackPlaylistId: null },
        at: this.now,
        count: 10
      });
    } catch {
      return [];
    }
  }

  /** The show selected on the calendar, shared with the others (outlined in your colour). */
  get selected(): string | null {
    return this.#selected;
  }
  set selected(id: string | null) {
    this.#selected = id;
    this.editing.share({ blockId: id });
  }

  get selectedBlock(): BlockSnapshot | undefined {
    return this.snapshot.blocks.find((b) => b.id === this.#selected);
  }

  get formBlock(): BlockSnapshot | undefined {
    return this.snapshot.blocks.find((b) => b.id === this.formBlockId);
  }

  get marks(): Map<string, PresenceMark[]> {
    return presenceMarks(this.editing.peers, (p) => [p.blockId]);
  }

  playlistName(id: string): string {
    return this.playlists.playlists.find((p) => p.id === id)?.name ?? 'Deleted playlist';
  }

  showWeek(delta: number): void {
    this.monday = addDays(this.monday, 7 * delta);
  }

  showThisWeek(): void {
    this.monday = mondayOf(Date.now(), this.zone);
  }

  // ---- edits ----

  /** A drag on empty space: a weekly show on that weekday from `from` to `to` (wall minutes of the station's zone). */
  create(day: number, from: number, to: number): string | null {
    const before = new Set(this.snapshot.blocks.map((b) => b.id));
    const name = nextShowName(this.snapshot.blocks);
    const ok = this.editing.run(createBlockCommand, { name, startMinute: from, durationMinutes: Math.max(15, to - from), weekdays: [isoWeekday(this.dates[day])] });
    if (!ok) return null;
    const created = scheduleView(this.session.project).blocks.find((b) => !before.has(b.id));
    if (created) {
      this.selected = created.id;
      this.formBlockId = created.id;
    }
    return created?.id ?? null;
  }

  /** A drag or arrow key: the show's start moves by whole minutes and days (its other days move with it). */
  move(blockId: string, minutes: number, days: number): void {
    const block = this.snapshot.blocks.find((b) => b.id === blockId);
    if (block && (minutes || days)) this.editing.run(moveBlockCommand, { blockId, startMinute: block.when.startMinute + minutes, dayShift: days });
  }

  /** A drag of the bottom edge or Shift+arrow: the show's length changes by whole minutes. */
  resize(blockId: string, minutes: number): void {
    const block = this.snapshot.blocks.find((b) => b.id === blockId);
    if (block && minutes) this.editing.run(resizeBlockCommand, { blockId, edge: 'end', durationMinutes: Math.min(MINUTES_PER_DAY, block.durationMinutes + minutes) });
  }

  edit(blockId: string, fields: BlockFields): boolean {
    return this.editing.run(editBlockCommand, { blockId, ...fields });
  }

  remove(blockId: string): void {
    if (this.editing.run(deleteBlockCommand, { blockId }) && this.formBlockId === blockId) this.formBlockId = null;
  }

  setRotation(rotation: PlaylistWeight[]): void {
    this.editing.run(setDefaultRotationCommand, { rotation });
  }

  setTimezone(timezone: string): void {
    if (this.editing.run(setScheduleSettingsCommand, { timezone })) this.monday = mondayOf(Date.now(), timezone);
  }

  destroy(): void {
    this.#stop();
    this.editing.destroy();
  }
}

/** Show 1, Show 2 … the first name not taken. */
function nextShowName(blocks: readonly BlockSnapshot[]): string {
  const taken = new Set(blocks.map((b) => b.name));
  for (let n = 1; ; n++) if (!taken.has(`Show ${n}`)) return `Show ${n}`;
}
