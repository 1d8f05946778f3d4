import * as Y from 'yjs';
import { RecordMap } from '../record-map';
import { changedRecord, type RecordChange, type TimelineChange, type TimelineRecordKind, type TimelineRecords } from './changes';
import { clipKind, type Clip } from './clip';
import { markerKind, type Marker } from './marker';
import { normalizeTimeline, type TimelineReading } from './normalize';
import { TIMELINE_PRESETS, type ClipSnapshot, type TimelineSettings, type TimelineSnapshot } from './snapshot';
import { readSettings, SETTINGS_MAP, timelineSettingsSchema, writeSettings } from './timeline-settings';
import { trackKind, type Track } from './track';
import { transitionKind, type Transition } from './transition';

type AnyRecord = TimelineRecords[TimelineRecordKind];

/**
 * The typed face of a project's timeline: records keyed by id in root Y.Maps (`timelineTracks`, `timelineClips`,
 * `timelineTransitions`, `timelineMarkers`) and the settings in the `timeline` Y.Map. Edits are computed by the pure
 * functions in `operations.ts` and written by `apply`, inside the caller's transaction (one gesture, one undo step).
 */
export class Timeline {
  static readonly presets = TIMELINE_PRESETS;
  readonly tracks: RecordMap<Track>;
  readonly clips: RecordMap<Clip>;
  readonly transitions: RecordMap<Transition>;
  readonly markers: RecordMap<Marker>;
  readonly settingsMap: Y.Map<unknown>;
  /** Bumped after every transaction: a command reads the snapshot up to three times with nothing changed between. */
  #version = 0;
  #cache: { version: number; assetDurations: unknown; reading: TimelineReading } | null = null;

  constructor(readonly doc: Y.Doc) {
    this.tracks = new RecordMap(doc, trackKind);
    this.clips = new RecordMap(doc, clipKind);
    this.transitions = new RecordMap(doc, transitionKind);
    this.markers = new RecordMap(doc, markerKind);
    this.settingsMap = doc.getMap(SETTINGS_MAP);
    // Before observers too: an observer that reads the snapshot must see the transaction it is told about.
    doc.on('beforeObserverCalls', () => void this.#version++);
    doc.on('afterTransaction', () => void this.#version++);
  }

  /** The shared types a per-user `Y.UndoManager` tracks for timeline edits. */
  get undoScope(): Y.Map<unknown>[] {
    return [this.tracks.ymap, this.clips.ymap, this.transitions.ymap, this.markers.ymap, this.settingsMap] as Y.Map<unknown>[];
  }

  settings(): TimelineSettings {
    return readSettings(this.settingsMap);
  }

  /**
   * The snapshot with what resolving concurrent edits did (displaced clips, dropped records). Shared and read-only:
   * the same object is returned until the document or the `assetDurations` object changes.
   */
  read(assetDurations?: Readonly<Record<string, number>>): TimelineReading {
    // Inside a transaction that already wrote, the document is half-written and no event has fired yet.
    if (this.writtenInTransaction()) return this.compute(assetDurations);
    const c = this.#cache;
    if (c && c.version === this.#version && c.assetDurations === assetDurations) return c.reading;
    const reading = this.compute(assetDurations);
    this.#cache = { version: this.#version, assetDurations, reading };
    return reading;
  }

  /** True when the open transaction has changed the document so far (then the cached reading is stale). */
  private writtenInTransaction(): boolean {
    const t = this.doc._transaction;
    if (!t) return false;
    if (t.deleteSet.clients.size > 0 || this.doc.store.clients.size !== t.beforeState.size) return true;
    for (const [client, clock] of t.beforeState) if (Y.getState(this.doc.store, client) !== clock) return true;
    return false;
  }

  private compute(assetDurations: Readonly<Record<string, number>> | undefined): TimelineReading {
    return normalizeTimeline(
      { settings: this.settings(), tracks: this.tracks.all(), clips: this.clips.all(), transitions: this.transitions.all(), markers: this.markers.all() },
      assetDurations
    );
  }

  /**
   * The timeline as plain data, sound whatever concurrent edits merged into (see `normalizeTimeline`). With the
   * sources' durations, transitions are also held to the handles the media really has.
   */
  snapshot(assetDurations?: Readonly<Record<string, number>>): TimelineSnapshot {
    return this.read(assetDurations).snapshot;
  }

  /**
   * Writes changes from an operation. Call inside `ProjectDoc.transact` (or `doc.transact`) with the user's origin,
   * passing the source durations the operation was given. Everything is validated before the first write, so a
   * stale or invalid change set throws and writes nothing.
   *
   * The operation was computed against the resolved view (`read`), so where it edits, what the user saw is stored
   * first: displaced clips on the tracks it edits keep their shown start, and transitions on the clips it edits
   * keep their shown duration, while ones hidden there (a concurrent duplicate on the cut, a cut that no longer
   * exists) are deleted. Otherwise deleting the shown transition would reveal the hidden one, or a trim that
   * freed handles would silently lengthen a transition the user saw shortened.
   */
  apply(changes: readonly TimelineChange[], assetDurations?: Readonly<Record<string, number>>): void {
    if (!this.doc._transaction) throw new Error('Timeline.apply runs inside a transaction (ProjectDoc.transact).');
    if (changes.length === 0) return;
    const all = [...this.reconcile(changes, assetDurations), ...changes];

    const pending = new Map<string, { kind: TimelineRecordKind; id: string; existed: boolean; after: AnyRecord | null }>();
    let settingsPatch: Partial<TimelineSettings> | null = null;
    for (const change of all) {
      if (change.kind === 'settings') {
        settingsPatch = { ...(settingsPatch ?? {}), ...change.patch };
        continue;
      }
      const id = change.op === 'insert' ? change.record.id : change.id;
      const key = `${change.kind}:${id}`;
      let entry = pending.get(key);
      if (!entry) {
        const current = this.map(change.kind).get(id) as AnyRecord | undefined;
        entry = { kind: change.kind, id, existed: current !== undefined, after: current ?? null };
        pending.set(key, entry);
      }
      entry.after = changedRecord(entry.after ?? undefined, change as RecordChange<typeof change.kind>);
    }
    // Validate everything, then write: Yjs cannot roll a transaction back.
    const valid = [...pending.values()].map((e) => ({ ...e, after: e.after && (this.map(e.kind).kind.schema.parse(e.after) as AnyRecord) }));
    if (settingsPatch) timelineSettingsSchema.parse({ ...this.settings(), ...settingsPatch });

    for (const { kind, id, existed, after } of valid) {
      const map = this.map(kind) as RecordMap<AnyRecord>;
      if (after === null) map.delete(id);
      else if (existed) map.update(id, after);
      else map.insert(after);
    }
    if (settingsPatch) writeSettings(this.settingsMap, settingsPatch);
  }

  /** Called after any change to the timeline; returns the unsubscribe function. */
  observe(fn: () => void): () => void {
    const handler = () => fn();
    for (const type of this.undoScope) type.observeDeep(handler);
    return () => {
      for (const type of this.undoScope) type.unobserveDeep(handler);
    };
  }

  private map(kind: TimelineRecordKind): RecordMap<AnyRecord> {
    const maps = { track: this.tracks, clip: this.clips, transition: this.transitions, marker: this.markers };
    return maps[kind] as unknown as RecordMap<AnyRecord>;
  }

  /** Changes that store, where `changes` edit, what the resolved view showed (see `apply`). */
  private reconcile(changes: readonly TimelineChange[], assetDurations: Readonly<Record<string, number>> | undefined): TimelineChange[] {
    const reading = this.read(assetDurations);
    const tracks = new Set<string>();
    const clips = new Set<string>();
    const startSet = new Set<string>();
    const transitions = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'clip') {
        const id = c.op === 'insert' ? c.record.id : c.id;
        clips.add(id);
        if (c.op === 'insert') tracks.add(c.record.trackId);
        const current = c.op === 'insert' ? undefined : this.clips.get(c.id);
        if (current) tracks.add(current.trackId);
        if (c.op === 'update' && c.patch.trackId !== undefined) tracks.add(c.patch.trackId);
        if (c.op === 'delete' || (c.op === 'update' && c.patch.start !== undefined)) startSet.add(id);
      } else if (c.kind === 'transition') {
        const id = c.op === 'insert' ? c.record.id : c.id;
        transitions.add(id);
        const current = this.transitions.get(id);
        const next = c.op === 'insert' ? c.record : c.op === 'update' ? c.patch : {};
        for (const clipId of [current?.fromClipId, current?.toClipId, next.fromClipId, next.toClipId]) if (clipId) clips.add(clipId);
      }
    }
    const extra: TimelineChange[] = [];
    for (const d of reading.displaced) {
      if (tracks.has(d.trackId) && !startSet.has(d.clipId)) extra.push({ op: 'update', kind: 'clip', id: d.clipId, patch: { start: d.start } satisfies Partial<ClipSnapshot> });
    }
    const onEditedClip = (t: { fromClipId: string; toClipId: string }) => clips.has(t.fromClipId) || clips.has(t.toClipId);
    for (const id of reading.dropped.transitions) {
      const hidden = this.transitions.get(id);
      if (hidden && onEditedClip(hidden) && !transitions.has(id)) extra.push({ op: 'delete', kind: 'transition', id });
    }
    for (const shown of reading.snapshot.transitions) {
      const stored = this.transitions.get(shown.id);
      if (stored && stored.duration !== shown.duration && onEditedClip(shown) && !transitions.has(shown.id)) {
        extra.push({ op: 'update', kind: 'transition', id: shown.id, patch: { duration: shown.duration } });
      }
    }
    return extra;
  }
}
