import { addPlaylistItemsCommand } from '$lib/editor/commands/playlist/add-playlist-items';
import { createPlaylistCommand } from '$lib/editor/commands/playlist/create-playlist';
import { deletePlaylistCommand } from '$lib/editor/commands/playlist/delete-playlist';
import { movePlaylistItemsCommand } from '$lib/editor/commands/playlist/move-playlist-items';
import { removePlaylistItemsCommand } from '$lib/editor/commands/playlist/remove-playlist-items';
import { renamePlaylistCommand } from '$lib/editor/commands/playlist/rename-playlist';
import { setPlaylistRulesCommand } from '$lib/editor/commands/playlist/set-playlist-rules';
import { playlistDuration, type PlaylistDuration } from '$lib/editor/model/playlist/duration';
import { itemsOf } from '$lib/editor/model/playlist/normalize';
import type { PlaylistRules } from '$lib/editor/model/playlist/operations';
import type { PlaylistItemSnapshot, PlaylistKind, PlaylistSnapshot, PlaylistsSnapshot } from '$lib/editor/model/playlist/snapshot';
import type { ProjectSession } from '$lib/editor/project-session.svelte';
import { StationEditing } from './station-editing.svelte';
import type { StationLibrary } from './station-library.svelte';
import { presenceMarks, type PresenceMark } from './station-presence';

/** Why an item is skipped on air, in words; null when it plays. */
export type ItemProblem = 'missing' | 'unapproved' | 'too short' | null;

export interface ItemRow {
  item: PlaylistItemSnapshot;
  title: string;
  artist: string;
  /** Seconds, or null when unknown (the file is gone or not processed). */
  duration: number | null;
  problem: ItemProblem;
  /** A video: it airs on video channels, and audio channels skip it. */
  video: boolean;
}

/**
 * The playlist editor's local state for one open studio: the live playlists, which one is open, the selected items,
 * and everyone else's open playlist and selection. Edits go through the playlist commands (one undo step each).
 */
export class PlaylistView {
  snapshot = $state.raw<PlaylistsSnapshot>({ playlists: [], items: [] });
  #openId = $state<string | null>(null);
  #selection = $state.raw<string[]>([]);
  /** Where Shift+click extends the selection from. */
  anchor: string | null = null;
  readonly editing: StationEditing;
  readonly #stop: () => void;

  constructor(
    readonly session: ProjectSession,
    readonly library: StationLibrary
  ) {
    this.editing = new StationEditing(session);
    const refresh = () => {
      this.snapshot = session.project.playlists.snapshot();
      if (this.#openId && !this.snapshot.playlists.some((p) => p.id === this.#openId)) this.open(this.snapshot.playlists[0]?.id ?? null);
      const ids = new Set(this.snapshot.items.map((i) => i.id));
      if (this.selection.some((id) => !ids.has(id))) this.selection = this.selection.filter((id) => ids.has(id));
    };
    refresh();
    if (!this.#openId && this.snapshot.playlists.length) this.open(this.snapshot.playlists[0].id);
    // Read after the transaction has ended: inside an observer the cached reading is not yet invalidated.
    let dirty = false;
    const unobserve = session.project.playlists.observe(() => (dirty = true));
    const after = () => {
      if (!dirty) return;
      dirty = false;
      refresh();
      if (!this.#openId && this.snapshot.playlists.length) this.open(this.snapshot.playlists[0].id);
    };
    session.doc.on('afterTransaction', after);
    this.#stop = () => {
      unobserve();
      session.doc.off('afterTransaction', after);
    };
  }

  get openId(): string | null {
    return this.#openId;
  }

  get current(): PlaylistSnapshot | undefined {
    return this.snapshot.playlists.find((p) => p.id === this.#openId);
  }

  /** Selected item ids of the open playlist, shared with the others (outlined in your colour). */
  get selection(): string[] {
    return this.#selection;
  }
  set selection(ids: string[]) {
    this.#selection = ids;
    this.editing.share({ selection: ids });
  }

  open(id: string | null): void {
    if (this.#openId === id) return;
    this.#openId = id;
    this.anchor = null;
    this.#selection = [];
    this.editing.share({ playlistId: id, selection: [] });
  }

  get items(): PlaylistItemSnapshot[] {
    return this.#openId ? itemsOf(this.snapshot, this.#openId) : [];
  }

  get rows(): ItemRow[] {
    const facts = this.library.stationAssets;
    const total = this.duration;
    return this.items.map((item) => {
      const asset = this.library.byId(item.assetId);
      const problem: ItemProblem = total.missing.includes(item.id) ? 'missing' : total.unapproved.includes(item.id) ? 'unapproved' : total.tooShort.includes(item.id) ? 'too short' : null;
      return { item, title: asset?.title || asset?.originalName || 'Deleted file', artist: asset?.artist ?? '', duration: facts[item.assetId]?.duration || null, problem, video: asset?.kind === 'video' };
    });
  }

  /** Only what can go on air counts towards the total. */
  get duration(): PlaylistDuration {
    return this.#openId ? playlistDuration(this.snapshot, this.#openId, this.library.stationAssets) : { seconds: 0, playable: 0, missing: [], unapproved: [], tooShort: [] };
  }

  /** Per playlist id and per item id: who else has it open or selected. */
  get marks(): Map<string, PresenceMark[]> {
    return presenceMarks(this.editing.peers, (p) => [p.playlistId, ...p.selection]);
  }

  // ---- selection ----

  /** A click on an item: alone, Ctrl/Cmd toggles it, Shift selects the range from the last clicked one. */
  select(id: string, mode: { toggle?: boolean; range?: boolean } = {}): void {
    const ids = this.items.map((i) => i.id);
    if (mode.range && this.anchor && ids.includes(this.anchor)) {
      const [a, b] = [ids.indexOf(this.anchor), ids.indexOf(id)].sort((x, y) => x - y);
      this.selection = ids.slice(a, b + 1);
      return;
    }
    if (mode.toggle) this.selection = this.selection.includes(id) ? this.selection.filter((x) => x !== id) : [...this.selection, id];
    else this.selection = [id];
    this.anchor = id;
  }

  selectAll(): void {
    this.selection = this.items.map((i) => i.id);
  }

  // ---- edits ----

  create(kind: PlaylistKind = 'standard'): void {
    const before = new Set(this.snapshot.playlists.map((p) => p.id));
    if (!this.editing.run(createPlaylistCommand, { kind })) return;
    const created = this.session.project.playlists.snapshot().playlists.find((p) => !before.has(p.id));
    if (created) this.open(created.id);
  }

  rename(name: string): boolean {
    return !!this.#openId && this.editing.run(renamePlaylistCommand, { playlistId: this.#openId, name });
  }

  deleteOpen(): void {
    if (this.#openId) this.editing.run(deletePlaylistCommand, { playlistId: this.#openId });
  }

  setRules(rules: PlaylistRules): boolean {
    return !!this.#openId && this.editing.run(setPlaylistRulesCommand, { playlistId: this.#openId, ...rules });
  }

  /** Library files into the open playlist at `index` (default: the end). */
  add(assetIds: string[], index?: number): void {
    if (!this.#openId) return this.editing.say('Create a playlist first, then drag music into it.');
    this.editing.run(addPlaylistItemsCommand, { playlistId: this.#openId, assetIds, index, assets: this.library.stationAssets });
  }

  /** Moves items so they land before the item now at `slot` of the full list (slot = length: the end). */
  moveTo(ids: string[], slot: number): void {
    const moving = new Set(ids);
    const index = this.items.slice(0, slot).filter((i) => !moving.has(i.id)).length;
    this.editing.run(movePlaylistItemsCommand, { itemIds: this.items.filter((i) => moving.has(i.id)).map((i) => i.id), index });
  }

  /** Alt+↑/↓: the selection one place up or down, together. */
  nudge(delta: -1 | 1): void {
    if (this.selection.length === 0) return;
    const sel = new Set(this.selection);
    const items = this.items;
    const first = items.findIndex((i) => sel.has(i.id));
    const before = items.slice(0, first).filter((i) => !sel.has(i.id)).length;
    const others = items.length - sel.size;
    const index = Math.max(0, Math.min(others, before + delta));
    if (index === before) return;
    this.editing.run(movePlaylistItemsCommand, { itemIds: items.filter((i) => sel.has(i.id)).map((i) => i.id), index });
  }

  removeSelected(): void {
    if (this.selection.length === 0) return;
    const sel = new Set(this.selection);
    const items = this.items;
    const last = Math.max(...items.flatMap((i, n) => (sel.has(i.id) ? [n] : [])));
    // Keyboard users stay in the list: the item after the removed ones is selected next (else the one before).
    const next = items.slice(last + 1).find((i) => !sel.has(i.id)) ?? items.slice(0, last).reverse().find((i) => !sel.has(i.id));
    if (this.editing.run(removePlaylistItemsCommand, { itemIds: this.selection })) this.selection = next ? [next.id] : [];
  }

  destroy(): void {
    this.#stop();
    this.editing.destroy();
    this.session.provider.awareness.setLocalStateField('station', null);
  }
}
