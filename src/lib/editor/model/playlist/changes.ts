import { compareOrder } from '../order';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import type { PlaylistItemSnapshot, PlaylistSnapshot, PlaylistsSnapshot } from './snapshot';

export type PlaylistChange = RecordChange<'playlist', PlaylistSnapshot> | RecordChange<'item', PlaylistItemSnapshot>;

/** The snapshot after the changes, sorted as `Playlists.snapshot()` sorts. Pure: operations check their result with it. */
export function applyPlaylistChanges(s: PlaylistsSnapshot, changes: readonly PlaylistChange[]): PlaylistsSnapshot {
  const playlists = new Map(s.playlists.map((p) => [p.id, p]));
  const items = new Map(s.items.map((i) => [i.id, i]));
  for (const change of changes) {
    const map = (change.kind === 'playlist' ? playlists : items) as Map<string, PlaylistSnapshot | PlaylistItemSnapshot>;
    const id = changeId(change);
    const next = changedRecord(map.get(id), change as RecordChange<string, PlaylistSnapshot | PlaylistItemSnapshot>);
    if (next) map.set(id, next);
    else map.delete(id);
  }
  return sortPlaylists({ playlists: [...playlists.values()], items: [...items.values()] });
}

/** Playlists by order; items by their playlist's order, then their own order. Ties by id, so every replica agrees. */
export function sortPlaylists(s: PlaylistsSnapshot): PlaylistsSnapshot {
  const playlists = [...s.playlists].sort(compareOrder);
  const index = new Map(playlists.map((p, i) => [p.id, i]));
  const items = [...s.items].sort((a, b) => (index.get(a.playlistId) ?? -1) - (index.get(b.playlistId) ?? -1) || compareOrder(a, b));
  return { playlists, items };
}
