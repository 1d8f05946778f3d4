import { compareOrder } from '../order';
import type { PlaylistItemSnapshot, PlaylistSnapshot, PlaylistsSnapshot } from './snapshot';

/** One edit to one record as data: what a station operation proposes and the model's `apply` writes. */
export type StationRecordChange<K extends string, R extends { id: string }> =
  | { op: 'insert'; kind: K; record: R }
  | { op: 'update'; kind: K; id: string; patch: Partial<Omit<R, 'id'>> }
  | { op: 'delete'; kind: K; id: string };

export type PlaylistChange = StationRecordChange<'playlist', PlaylistSnapshot> | StationRecordChange<'item', PlaylistItemSnapshot>;

/** The record a change leaves behind (or null when it deletes), given the record before it. */
export function changedStationRecord<K extends string, R extends { id: string }>(before: R | undefined, change: StationRecordChange<K, R>): R | null {
  switch (change.op) {
    case 'insert':
      if (before) throw new Error(`A ${change.kind} ${change.record.id} already exists.`);
      return change.record;
    case 'update':
      if (!before) throw new Error(`No ${change.kind} ${change.id}.`);
      return { ...before, ...change.patch, id: before.id };
    case 'delete':
      return null;
  }
}

export const changeId = (c: { op: string; id?: string; record?: { id: string } }): string => (c.op === 'insert' ? c.record!.id : c.id!);

/** The snapshot after the changes, sorted as `Playlists.snapshot()` sorts. Pure: operations check their result with it. */
export function applyPlaylistChanges(s: PlaylistsSnapshot, changes: readonly PlaylistChange[]): PlaylistsSnapshot {
  const playlists = new Map(s.playlists.map((p) => [p.id, p]));
  const items = new Map(s.items.map((i) => [i.id, i]));
  for (const change of changes) {
    const map = (change.kind === 'playlist' ? playlists : items) as Map<string, PlaylistSnapshot | PlaylistItemSnapshot>;
    const id = changeId(change);
    const next = changedStationRecord(map.get(id), change as StationRecordChange<string, PlaylistSnapshot | PlaylistItemSnapshot>);
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
