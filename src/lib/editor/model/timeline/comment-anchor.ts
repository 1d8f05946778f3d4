import type { Comment, CommentAnchor } from '../comment';
import { clipEnd, type ClipSnapshot, type TimelineSnapshot } from './snapshot';
import { TIME_EPSILON } from './clip';

/** Where a comment pinned at `time` on `clip` points: the moment of the source shown there. */
export function anchorAt(clip: ClipSnapshot, time: number): CommentAnchor {
  const offset = Math.min(Math.max(0, time - clip.start), clipEnd(clip) - clip.start);
  return { clipId: clip.id, assetId: clip.assetId, sourceTime: clip.in + offset * clip.speed, time: clip.start + offset };
}

export interface PlacedAnchor {
  /** Timeline seconds now. */
  time: number;
  /** The clip that shows the commented moment now, or null when it has been deleted or trimmed away. */
  clipId: string | null;
}

const shows = (c: ClipSnapshot, sourceTime: number) => c.in - TIME_EPSILON <= sourceTime && sourceTime <= c.out + TIME_EPSILON;
const timeOf = (c: ClipSnapshot, sourceTime: number) => c.start + (sourceTime - c.in) / c.speed;

/**
 * Where an anchor sits on the timeline now: on its clip if that still shows the moment; else on the part a split
 * made of it (same asset and track, showing the moment); else where it was, marked detached.
 */
export function placeAnchor(anchor: CommentAnchor, snapshot: TimelineSnapshot): PlacedAnchor {
  const own = snapshot.clips.find((c) => c.id === anchor.clipId);
  if (own && shows(own, anchor.sourceTime)) return { time: timeOf(own, anchor.sourceTime), clipId: own.id };
  if (own) {
    const part = snapshot.clips.find((c) => c.id !== own.id && c.trackId === own.trackId && c.assetId === own.assetId && shows(c, anchor.sourceTime));
    if (part) return { time: timeOf(part, anchor.sourceTime), clipId: part.id };
  }
  return { time: anchor.time, clipId: null };
}

/** The pinned comments of a timeline, placed, in timeline order. */
export function placedComments(comments: readonly Comment[], snapshot: TimelineSnapshot): (PlacedAnchor & { comment: Comment })[] {
  const out: (PlacedAnchor & { comment: Comment })[] = [];
  for (const comment of comments) if (comment.anchor) out.push({ comment, ...placeAnchor(comment.anchor, snapshot) });
  return out.sort((a, b) => a.time - b.time || (a.comment.id < b.comment.id ? -1 : 1));
}
