import { clipEnd, type TimelineSnapshot } from './snapshot';

/**
 * Times an edge may snap to: 0, the playhead, markers, and the edges of every clip not being edited (on all
 * tracks, so a cut lines up with what is above and below it).
 */
export function snapTargets(s: TimelineSnapshot, playhead: number | undefined, exclude: ReadonlySet<string> = new Set()): number[] {
  const targets = [0, ...s.markers.filter((m) => !exclude.has(m.id)).map((m) => m.time)];
  if (playhead !== undefined && Number.isFinite(playhead)) targets.push(playhead);
  for (const c of s.clips) if (!exclude.has(c.id)) targets.push(c.start, clipEnd(c));
  return targets;
}

/**
 * The shift that brings the nearest of `edges` onto the nearest target, when within `distance` seconds; else 0.
 * On a tie the earlier edge and target win, so the result does not depend on how the lists were built.
 */
export function snapOffset(edges: readonly number[], targets: readonly number[], distance: number | undefined): number {
  if (!distance || distance <= 0) return 0;
  let best = 0;
  let bestGap = Infinity;
  const sortedTargets = [...targets].sort((a, b) => a - b);
  for (const e of [...edges].sort((a, b) => a - b)) {
    for (const t of sortedTargets) {
      const gap = Math.abs(t - e);
      if (gap <= distance && gap < bestGap) [best, bestGap] = [t - e, gap];
    }
  }
  return best;
}
