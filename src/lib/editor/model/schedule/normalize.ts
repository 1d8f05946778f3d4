import { sortSchedule } from './changes';
import type { PlaylistWeight, ScheduleSnapshot } from './snapshot';

export interface ScheduleReading {
  snapshot: ScheduleSnapshot;
  /** References to playlists that no longer exist (a concurrent delete): left out, and back if the delete is undone. */
  dropped: { links: { blockId: string | null; playlistId: string }[] };
}

/**
 * The schedule as everyone sees it, the same on every replica. With the playlists' ids, links to a playlist deleted
 * concurrently (one user adds it to a show while another deletes it) are left out of the view; the next edit of that
 * block or rotation stores the view, so they do not come back later by surprise.
 */
export function normalizeSchedule(input: ScheduleSnapshot, playlistIds?: ReadonlySet<string>): ScheduleReading {
  const dropped: ScheduleReading['dropped']['links'] = [];
  const keep = (blockId: string | null, list: PlaylistWeight[]) => {
    if (!playlistIds) return list;
    const kept = list.filter((p) => playlistIds.has(p.playlistId) || void dropped.push({ blockId, playlistId: p.playlistId }));
    return kept.length === list.length ? list : kept;
  };
  const settings = { ...input.settings, rotation: keep(null, input.settings.rotation) };
  const blocks = input.blocks.map((b) => {
    const playlists = keep(b.id, b.playlists);
    return playlists === b.playlists ? b : { ...b, playlists };
  });
  return { snapshot: sortSchedule({ settings, blocks }), dropped: { links: dropped } };
}
