import { byId, sortTimeline } from './changes';
import { TIME_EPSILON } from './clip';
import { clipEnd, type ClipSnapshot, type TimelineSnapshot, type TransitionSnapshot } from './snapshot';
import { trackAccepts } from './track';
import { MIN_TRANSITION_DURATION, transitionLimit } from './transition';

/** A clip shown later than its stored start because a concurrent edit put another clip where it was. */
export interface DisplacedClip {
  clipId: string;
  trackId: string;
  storedStart: number;
  start: number;
}

export interface TimelineReading {
  snapshot: TimelineSnapshot;
  /** Clips pushed right to resolve an overlap: the UI marks them, and the next edit of their track stores it. */
  displaced: DisplacedClip[];
  /** Records present in the document but left out: clips on missing tracks, transitions without their cut. */
  dropped: { clips: string[]; transitions: string[] };
}

/**
 * Turns valid records that concurrent edits may have left inconsistent with each other into a sound timeline, the
 * same on every replica (a pure function of the merged records):
 * - a clip whose track is gone (or of the wrong kind) is left out; undoing the track's deletion brings it back;
 * - clips overlapping on a track: taken in (start, id) order, a clip that starts before the previous one ends is
 *   pushed right to that end (and so on down the track). Nothing is cut or hidden, everyone's edit stays visible;
 * - a ducking reference to a missing track is dropped;
 * - transitions whose clips are gone, on different tracks or no longer touching are left out; of two at one cut
 *   the smaller id wins; a duration longer than the handles allow is shortened, and one under the minimum is left out.
 */
export function normalizeTimeline(input: TimelineSnapshot, assetDurations?: Readonly<Record<string, number>>): TimelineReading {
  const sorted = sortTimeline(input);
  const trackIds = new Set(sorted.tracks.map((t) => t.id));
  const tracks = sorted.tracks.map((t) => (t.ducking && !trackIds.has(t.ducking.byTrackId) ? { ...t, ducking: null } : t));
  const trackById = new Map(tracks.map((t) => [t.id, t]));

  const dropped: TimelineReading['dropped'] = { clips: [], transitions: [] };
  const displaced: DisplacedClip[] = [];
  const clips: ClipSnapshot[] = [];
  let track: string | null = null;
  let previousEnd = -Infinity;
  for (const clip of sorted.clips) {
    const t = trackById.get(clip.trackId);
    if (!t || !trackAccepts(t.kind, clip)) {
      dropped.clips.push(clip.id);
      continue;
    }
    if (clip.trackId !== track) [track, previousEnd] = [clip.trackId, -Infinity];
    if (clip.start < previousEnd - TIME_EPSILON) {
      displaced.push({ clipId: clip.id, trackId: clip.trackId, storedStart: clip.start, start: previousEnd });
      clips.push({ ...clip, start: previousEnd });
    } else clips.push(clip);
    previousEnd = clipEnd(clips[clips.length - 1]);
  }

  const clipById = new Map(clips.map((c) => [c.id, c]));
  const taken = new Set<string>();
  const transitions: TransitionSnapshot[] = [];
  for (const tr of [...sorted.transitions].sort(byId)) {
    const [from, to] = [clipById.get(tr.fromClipId), clipById.get(tr.toClipId)];
    const limit = from && to && touching(from, to) ? transitionLimit(from, to, assetDurations) : 0;
    if (!from || !to || limit < MIN_TRANSITION_DURATION || taken.has(from.id) || taken.has(`>${to.id}`)) {
      dropped.transitions.push(tr.id);
      continue;
    }
    taken.add(from.id).add(`>${to.id}`);
    transitions.push(tr.duration > limit ? { ...tr, duration: limit } : tr);
  }

  const snapshot = sortTimeline({ settings: sorted.settings, tracks, clips, transitions, markers: sorted.markers });
  return { snapshot, displaced, dropped };
}

/** Two clips of one track with no gap between them: where a transition can go. */
export function touching(from: ClipSnapshot, to: ClipSnapshot): boolean {
  return from.id !== to.id && from.trackId === to.trackId && Math.abs(clipEnd(from) - to.start) <= TIME_EPSILON;
}
