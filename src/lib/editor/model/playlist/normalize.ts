import { sortPlaylists } from './changes';
import type { PlaylistsSnapshot } from './snapshot';

export interface PlaylistsReading {
  snapshot: PlaylistsSnapshot;
  /** Items present in the document but left out: their playlist was deleted (undoing that deletion brings them back). */
  dropped: { items: string[] };
}

/**
 * Turns valid records that concurrent edits may have left inconsistent into sound playlists, the same on every
 * replica: an item added to a playlist another user deleted at the same time is left out (not deleted, so undoing
 * the deletion brings it back with its items). Two items with one order key (added offline at one spot) are ordered
 * by id; the same asset twice in a playlist (two people added it at once) is kept: both show, and either can go.
 */
export function normalizePlaylists(input: PlaylistsSnapshot): PlaylistsReading {
  const ids = new Set(input.playlists.map((p) => p.id));
  const dropped: string[] = [];
  const items = input.items.filter((i) => ids.has(i.playlistId) || void dropped.push(i.id));
  return { snapshot: sortPlaylists({ playlists: input.playlists, items }), dropped: { items: dropped.sort() } };
}

/** A playlist's items in play order. */
export function itemsOf(s: PlaylistsSnapshot, playlistId: string) {
  return s.items.filter((i) => i.playlistId === playlistId);
}
