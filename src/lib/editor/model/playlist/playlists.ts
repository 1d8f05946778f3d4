import type * as Y from 'yjs';
import { RecordMap } from '../record-map';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import type { PlaylistChange } from './changes';
import { normalizePlaylists, type PlaylistsReading } from './normalize';
import { playlistKind, type Playlist } from './playlist';
import { playlistItemKind, type PlaylistItem } from './playlist-item';
import type { PlaylistsSnapshot } from './snapshot';

type AnyRecord = Playlist | PlaylistItem;

/**
 * The typed face of a project's station playlists: records keyed by id in root Y.Maps (`stationPlaylists`,
 * `stationPlaylistItems`), items ordered by fractional keys. Edits are computed by the pure functions in
 * `operations.ts` and written by `apply`, inside the caller's transaction (one gesture, one undo step).
 */
export class Playlists {
  readonly playlists: RecordMap<Playlist>;
  readonly items: RecordMap<PlaylistItem>;

  constructor(readonly doc: Y.Doc) {
    this.playlists = new RecordMap(doc, playlistKind);
    this.items = new RecordMap(doc, playlistItemKind);
  }

  /** The shared types a per-user `Y.UndoManager` tracks for playlist edits. */
  get undoScope(): Y.Map<unknown>[] {
    return [this.playlists.ymap, this.items.ymap] as Y.Map<unknown>[];
  }

  /** The playlists with what resolving concurrent edits left out (items of a deleted playlist). */
  read(): PlaylistsReading {
    return normalizePlaylists({ playlists: this.playlists.all(), items: this.items.all() });
  }

  snapshot(): PlaylistsSnapshot {
    return this.read().snapshot;
  }

  /**
   * Writes changes from an operation. Call inside `ProjectDoc.transact` with the user's origin. Everything is
   * validated before the first write (Yjs cannot roll a transaction back), so a stale change set writes nothing.
   */
  apply(changes: readonly PlaylistChange[]): void {
    if (!this.doc._transaction) throw new Error('Playlists.apply runs inside a transaction (ProjectDoc.transact).');
    const pending = new Map<string, { kind: PlaylistChange['kind']; id: string; existed: boolean; after: AnyRecord | null }>();
    for (const change of changes) {
      const id = changeId(change);
      const key = `${change.kind}:${id}`;
      let entry = pending.get(key);
      if (!entry) {
        const current = this.map(change.kind).get(id);
        entry = { kind: change.kind, id, existed: current !== undefined, after: current ?? null };
        pending.set(key, entry);
      }
      entry.after = changedRecord(entry.after ?? undefined, change as RecordChange<string, AnyRecord>) as AnyRecord | null;
    }
    const valid = [...pending.values()].map((e) => ({ ...e, after: e.after && (this.map(e.kind).kind.schema.parse(e.after) as AnyRecord) }));
    for (const { kind, id, existed, after } of valid) {
      const map = this.map(kind);
      if (after === null) map.delete(id);
      else if (existed) map.update(id, after);
      else map.insert(after);
    }
  }

  /** Called after any change to the playlists; returns the unsubscribe function. */
  observe(fn: () => void): () => void {
    const offs = [this.playlists.observe(fn), this.items.observe(fn)];
    return () => offs.forEach((off) => off());
  }

  private map(kind: PlaylistChange['kind']): RecordMap<AnyRecord> {
    return (kind === 'playlist' ? this.playlists : this.items) as unknown as RecordMap<AnyRecord>;
  }
}
