/**
 * Where an action at the playhead lands when the user did not point: which track a paste goes to, which clip a
 * comment pins to. Pure, over the snapshot the editor shows.
 */
import { TIME_EPSILON } from '$lib/editor/model/timeline/clip';
import type { TimelineClipboard } from '$lib/editor/model/timeline/operations';
import { clipEnd, type ClipSnapshot, type TimelineSnapshot, type TrackSnapshot } from '$lib/editor/model/timeline/snapshot';

const covers = (c: ClipSnapshot, t: number) => c.start - TIME_EPSILON <= t && t < clipEnd(c) - TIME_EPSILON;

/**
 * The track the lowest pasted clip goes on: the selected clip's track, else the track it was copied from, else the
 * topmost unlocked track of its kind; undefined when there is none.
 */
export function pasteTrack(s: TimelineSnapshot, selection: readonly string[], clipboard: TimelineClipboard): TrackSnapshot | undefined {
  const lowest = clipboard.clips.find((c) => c.track === 0) ?? clipboard.clips[0];
  if (!lowest) return undefined;
  const fits = (t: TrackSnapshot | undefined) => !!t && t.kind === lowest.kind && !t.locked;
  const selected = s.clips.find((c) => c.id === selection[0]);
  const candidates = [selected?.trackId, lowest.clip.trackId].map((id) => s.tracks.find((t) => t.id === id));
  return candidates.find(fits) ?? [...s.tracks].reverse().find(fits);
}

/** The clip under `time` on the topmost visible track, if any. */
export function topClipAt(s: TimelineSnapshot, time: number): ClipSnapshot | undefined {
  for (const track of [...s.tracks].reverse()) {
    if (track.hidden) continue;
    const clip = s.clips.find((c) => c.trackId === track.id && covers(c, time));
    if (clip) return clip;
  }
  return undefined;
}

/**
 * The clip a comment at `time` pins to: a selected clip under the playhead, else the topmost clip there, else the
 * first selected clip (the pin then sits at its nearest edge).
 */
export function commentTarget(s: TimelineSnapshot, selection: readonly string[], time: number): ClipSnapshot | undefined {
  const selected = selection.map((id) => s.clips.find((c) => c.id === id)).filter((c): c is ClipSnapshot => !!c);
  return selected.find((c) => covers(c, time)) ?? topClipAt(s, time) ?? selected[0];
}
