/**
 * Playlist edits as pure functions: a snapshot (as `Playlists.snapshot()` reads it) and a gesture in, the changes that
 * make it (for `Playlists.apply`) or a reason a user can read. Nothing here touches Yjs.
 */
import { clampIndex, orderKeysAt } from '../order';
import type { RecordChange } from '../record-change';
import { applyPlaylistChanges, type PlaylistChange } from './changes';
import { newStationId } from './ids';
import { itemsOf } from './normalize';
import { defaultPlaylistName, newPlaylist, playlistSchema } from './playlist';
import { newPlaylistItem, playlistItemSchema } from './playlist-item';
import { playableMs, type PlaylistItemSnapshot, type PlaylistKind, type PlaylistSnapshot, type PlaylistsSnapshot, type StationAssets } from './snapshot';

export interface PlaylistOperationOptions {
  /** New record ids; tests pass a counter so a seed replays the same ids. */
  newId?: () => string;
}

export type PlaylistOperationResult = { ok: true; changes: PlaylistChange[]; created: string[] } | { ok: false; reason: string };

export type PlaylistRules = Partial<Pick<PlaylistSnapshot, 'kind' | 'playback' | 'noRepeat' | 'jingle' | 'prompt'>>;

const refuse = (reason: string): PlaylistOperationResult => ({ ok: false, reason });
const done = (): PlaylistOperationResult => ({ ok: true, changes: [], created: [] });
const idOf = (opts: PlaylistOperationOptions) => opts.newId ?? newStationId;
const update = (kind: 'playlist' | 'item', id: string, patch: object): PlaylistChange =>
  ({ op: 'update', kind, id, patch }) as RecordChange<'playlist', PlaylistSnapshot> as PlaylistChange;
const GONE = 'That playlist no longer exists.';

/** Checks every record the changes leave behind, as `Playlists.apply` will. */
function commit(s: PlaylistsSnapshot, changes: PlaylistChange[], created: string[] = []): PlaylistOperationResult {
  const next = applyPlaylistChanges(s, changes);
  for (const change of changes) {
    if (change.op === 'delete') continue;
    const id = change.op === 'insert' ? change.record.id : change.id;
    const record = change.kind === 'playlist' ? next.playlists.find((p) => p.id === id) : next.items.find((i) => i.id === id);
    const r = (change.kind === 'playlist' ? playlistSchema : playlistItemSchema).safeParse(record);
    if (!r.success) return refuse(r.error.issues[0].message);
  }
  return { ok: true, changes, created };
}

/** `orderKeysAt` with its re-keyed records as playlist changes. */
function orderKeysOf(list: readonly { id: string; order: string }[], index: number, n: number, kind: 'playlist' | 'item'): { keys: string[]; rekey: PlaylistChange[] } {
  const { keys, rekey } = orderKeysAt(list, index, n);
  return { keys, rekey: rekey.map((r) => update(kind, r.id, { order: r.order })) };
}

/** A new playlist at the end of the list (or at `index`), named Playlist 1 / Jingles 1 / Generated 1 unless `name` is given. */
export function createPlaylist(
  s: PlaylistsSnapshot,
  args: { name?: string; kind?: PlaylistKind; index?: number } & PlaylistRules,
  opts: PlaylistOperationOptions = {}
): PlaylistOperationResult {
  const kind = args.kind ?? 'standard';
  const { keys, rekey } = orderKeysOf(s.playlists, clampIndex(args.index, s.playlists.length), 1, 'playlist');
  const record = newPlaylist({ ...args, id: idOf(opts)(), kind, name: args.name ?? defaultPlaylistName(kind, s.playlists), order: keys[0] });
  return commit(s, [...rekey, { op: 'insert', kind: 'playlist', record }], [record.id]);
}

export function renamePlaylist(s: PlaylistsSnapshot, args: { playlistId: string; name: string }): PlaylistOperationResult {
  const playlist = s.playlists.find((p) => p.id === args.playlistId);
  if (!playlist) return refuse(GONE);
  const name = args.name.trim();
  return name === playlist.name ? done() : commit(s, [update('playlist', playlist.id, { name })]);
}

/** Moves a playlist to `index` in the panel's order. */
export function reorderPlaylist(s: PlaylistsSnapshot, args: { playlistId: string; index: number }): PlaylistOperationResult {
  const current = s.playlists.findIndex((p) => p.id === args.playlistId);
  if (current < 0) return refuse(GONE);
  const others = s.playlists.filter((p) => p.id !== args.playlistId);
  const index = clampIndex(args.index, others.length);
  if (index === current) return done();
  const { keys, rekey } = orderKeysOf(others, index, 1, 'playlist');
  return commit(s, [...rekey, update('playlist', args.playlistId, { order: keys[0] })]);
}

/**
 * Deletes a playlist with its items. The schedule's references to it are removed by the schedule's `forgetPlaylist`
 * in the same transaction (the delete command does both), so one undo brings everything back.
 */
export function deletePlaylist(s: PlaylistsSnapshot, args: { playlistId: string }): PlaylistOperationResult {
  if (!s.playlists.some((p) => p.id === args.playlistId)) return refuse(GONE);
  const changes: PlaylistChange[] = [{ op: 'delete', kind: 'playlist', id: args.playlistId }];
  for (const item of itemsOf(s, args.playlistId)) changes.push({ op: 'delete', kind: 'item', id: item.id });
  return commit(s, changes);
}

/** Kind, playback order, no-repeat, jingle rule and generator prompt; only the fields named change (so they merge). */
export function setPlaylistRules(s: PlaylistsSnapshot, args: { playlistId: string } & PlaylistRules): PlaylistOperationResult {
  const playlist = s.playlists.find((p) => p.id === args.playlistId);
  if (!playlist) return refuse(GONE);
  const patch: PlaylistRules = {};
  for (const key of ['kind', 'playback', 'noRepeat', 'jingle', 'prompt'] as const) {
    let value = args[key];
    if (key === 'prompt' && typeof value === 'string') value = value.trim() || null;
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(playlist[key])) (patch as Record<string, unknown>)[key] = value;
  }
  return Object.keys(patch).length ? commit(s, [update('playlist', playlist.id, patch)]) : done();
}

/**
 * Adds library assets to a playlist at `index` (default: the end), in the order given. Only approved assets that can
 * play go in; assets already in the playlist are not added twice.
 */
export function addPlaylistItems(
  s: PlaylistsSnapshot,
  args: { playlistId: string; assetIds: readonly string[]; index?: number; assets: StationAssets; prompt?: string | null },
  opts: PlaylistOperationOptions = {}
): PlaylistOperationResult {
  const playlist = s.playlists.find((p) => p.id === args.playlistId);
  if (!playlist) return refuse(GONE);
  if (args.assetIds.length === 0) return refuse('Choose the media to add.');
  for (const id of args.assetIds) {
    const asset = args.assets[id];
    if (!asset) return refuse('A file you are adding is no longer in the library.');
    const name = asset.title ? `"${asset.title}"` : 'a file';
    if (!asset.approved) return refuse(`Only approved media goes on air: approve ${name} first.`);
    if (playableMs(asset) === 0) return refuse(`${name[0].toUpperCase()}${name.slice(1)} is too short to go on air.`);
  }
  const items = itemsOf(s, playlist.id);
  const present = new Set(items.map((i) => i.assetId));
  const adding = [...new Set(args.assetIds)].filter((id) => !present.has(id));
  if (adding.length === 0) return refuse(args.assetIds.length === 1 ? 'That file is already in the playlist.' : 'Those files are already in the playlist.');
  const { keys, rekey } = orderKeysOf(items, clampIndex(args.index, items.length), adding.length, 'item');
  const records = adding.map((assetId, i) => newPlaylistItem({ id: idOf(opts)(), playlistId: playlist.id, assetId, order: keys[i], prompt: args.prompt }));
  return commit(s, [...rekey, ...records.map((record): PlaylistChange => ({ op: 'insert', kind: 'item', record }))], records.map((r) => r.id));
}

export function removePlaylistItems(s: PlaylistsSnapshot, args: { itemIds: readonly string[] }): PlaylistOperationResult {
  const ids = [...new Set(args.itemIds)];
  if (ids.length === 0) return refuse('Select the items to remove.');
  if (ids.some((id) => !s.items.some((i) => i.id === id))) return refuse('An item you are removing is no longer in the playlist.');
  return commit(s, ids.map((id): PlaylistChange => ({ op: 'delete', kind: 'item', id })));
}

/**
 * Moves the selected items of one playlist together to `index` among the others (counted without them), keeping
 * their relative order. Only the moved items get new keys (unless the spot has none between equal keys).
 */
export function movePlaylistItems(s: PlaylistsSnapshot, args: { itemIds: readonly string[]; index: number }): PlaylistOperationResult {
  const ids = new Set(args.itemIds);
  if (ids.size === 0) return refuse('Select the items to move.');
  const moving = s.items.filter((i) => ids.has(i.id));
  if (moving.length !== ids.size) return refuse('An item you are moving is no longer in the playlist.');
  const playlistId = moving[0].playlistId;
  if (moving.some((i) => i.playlistId !== playlistId)) return refuse('Items move within one playlist at a time.');
  const all = itemsOf(s, playlistId);
  const others = all.filter((i) => !ids.has(i.id));
  const index = clampIndex(args.index, others.length);
  const unchanged = all.every((item, i) => item === [...others.slice(0, index), ...moving, ...others.slice(index)][i]);
  if (unchanged) return done();
  const { keys, rekey } = orderKeysOf(others, index, moving.length, 'item');
  return commit(s, [...rekey, ...moving.map((item: PlaylistItemSnapshot, i) => update('item', item.id, { order: keys[i] }))]);
}

/** Items of a playlist whose asset can no longer play (deleted, unapproved, too short): what the editor marks. */
export function unplayableItems(s: PlaylistsSnapshot, playlistId: string, assets: StationAssets): string[] {
  return itemsOf(s, playlistId)
    .filter((i) => playableMs(assets[i.assetId]) === 0)
    .map((i) => i.id);
}
