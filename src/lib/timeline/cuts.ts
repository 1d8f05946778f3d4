import { TIME_EPSILON } from '$lib/editor/model/timeline/clip';
import { clipEnd, type ClipSnapshot, type TimelineSnapshot, type TransitionSnapshot } from '$lib/editor/model/timeline/snapshot';

/** A cut: two clips touching on one track, with the transition across it if there is one. */
export interface Cut {
  trackId: string;
  /** Timeline seconds where the first clip ends and the second starts. */
  time: number;
  from: ClipSnapshot;
  to: ClipSnapshot;
  transition: TransitionSnapshot | null;
}

/** Every cut of the timeline, by track then time (the snapshot keeps clips in that order). */
export function cutsOf(s: TimelineSnapshot): Cut[] {
  const cuts: Cut[] = [];
  for (let i = 1; i < s.clips.length; i++) {
    const [from, to] = [s.clips[i - 1], s.clips[i]];
    if (from.trackId !== to.trackId || Math.abs(clipEnd(from) - to.start) > TIME_EPSILON) continue;
    const transition = s.transitions.find((t) => t.fromClipId === from.id && t.toClipId === to.id) ?? null;
    cuts.push({ trackId: from.trackId, time: to.start, from, to, transition });
  }
  return cuts;
}

/** The cut closest to `time`, on `trackId` when given; ties go to the earlier cut. */
export function nearestCut(cuts: readonly Cut[], time: number, trackId?: string): Cut | undefined {
  let best: Cut | undefined;
  for (const cut of cuts) {
    if (trackId !== undefined && cut.trackId !== trackId) continue;
    if (!best || Math.abs(cut.time - time) < Math.abs(best.time - time)) best = cut;
  }
  return best;
}
