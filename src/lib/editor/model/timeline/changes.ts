import { compareOrder } from '../order';
import { changedRecord as changedAnyRecord, type RecordChange as AnyRecordChange } from '../record-change';
import type { ClipSnapshot, MarkerSnapshot, TimelineSettings, TimelineSnapshot, TrackSnapshot, TransitionSnapshot } from './snapshot';

export interface TimelineRecords {
  track: TrackSnapshot;
  clip: ClipSnapshot;
  transition: TransitionSnapshot;
  marker: MarkerSnapshot;
}
export type TimelineRecordKind = keyof TimelineRecords;

export type RecordChange<K extends TimelineRecordKind> = AnyRecordChange<K, TimelineRecords[K]>;

export interface SettingsChange {
  op: 'update';
  kind: 'settings';
  patch: Partial<TimelineSettings>;
}

/** One edit to the timeline as data: what an operation proposes and `Timeline.apply` writes. */
export type TimelineChange = RecordChange<'track'> | RecordChange<'clip'> | RecordChange<'transition'> | RecordChange<'marker'> | SettingsChange;

export const COLLECTION_OF = { track: 'tracks', clip: 'clips', transition: 'transitions', marker: 'markers' } as const satisfies Record<
  TimelineRecordKind,
  keyof TimelineSnapshot
>;

/** The record a change leaves behind (or null when it deletes), given the record before it. */
export const changedRecord = <K extends TimelineRecordKind>(before: TimelineRecords[K] | undefined, change: RecordChange<K>): TimelineRecords[K] | null =>
  changedAnyRecord(before, change);

/** The snapshot after the changes, sorted as `Timeline.snapshot()` sorts. Pure: operations check their result with it. */
export function applyChanges(snapshot: TimelineSnapshot, changes: readonly TimelineChange[]): TimelineSnapshot {
  let settings = snapshot.settings;
  const maps = {
    track: new Map(snapshot.tracks.map((r) => [r.id, r])),
    clip: new Map(snapshot.clips.map((r) => [r.id, r])),
    transition: new Map(snapshot.transitions.map((r) => [r.id, r])),
    marker: new Map(snapshot.markers.map((r) => [r.id, r]))
  };
  for (const change of changes) {
    if (change.kind === 'settings') {
      settings = { ...settings, ...change.patch };
      continue;
    }
    const map = maps[change.kind] as Map<string, TimelineRecords[typeof change.kind]>;
    const id = change.op === 'insert' ? change.record.id : change.id;
    const next = changedRecord(map.get(id), change as RecordChange<typeof change.kind>);
    if (next) map.set(id, next);
    else map.delete(id);
  }
  return sortTimeline({
    settings,
    tracks: [...maps.track.values()],
    clips: [...maps.clip.values()],
    transitions: [...maps.transition.values()],
    markers: [...maps.marker.values()]
  });
}

/** Tracks by order; clips by track, then start; transitions by the clip they leave; markers by time. Ties by id. */
export function sortTimeline(s: TimelineSnapshot): TimelineSnapshot {
  const tracks = [...s.tracks].sort(compareOrder);
  const trackIndex = new Map(tracks.map((t, i) => [t.id, i]));
  const clips = [...s.clips].sort(
    (a, b) => (trackIndex.get(a.trackId) ?? -1) - (trackIndex.get(b.trackId) ?? -1) || a.start - b.start || byId(a, b)
  );
  const clipIndex = new Map(clips.map((c, i) => [c.id, i]));
  const transitions = [...s.transitions].sort((a, b) => (clipIndex.get(a.fromClipId) ?? -1) - (clipIndex.get(b.fromClipId) ?? -1) || byId(a, b));
  const markers = [...s.markers].sort((a, b) => a.time - b.time || byId(a, b));
  return { settings: s.settings, tracks, clips, transitions, markers };
}

export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
