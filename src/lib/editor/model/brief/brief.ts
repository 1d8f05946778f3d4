import type * as Y from 'yjs';
import { RecordMap } from '../record-map';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import type { BriefChange } from './changes';
import { LISTING_MAP, listingSchema, patchListing, readListing, writeListing } from './listing';
import { normalizeBrief } from './normalize';
import { briefPhotoKind, type BriefPhoto } from './photo';
import type { BriefSnapshot, ListingSnapshot } from './snapshot';

/**
 * The typed face of a project's staging brief: the listing in the `briefListing` Y.Map (one key per field) and the
 * photos keyed by id in `briefPhotos`, ordered by fractional keys. Edits are computed by the pure functions in
 * `operations.ts` and written by `apply`, inside the caller's transaction (one gesture, one undo step).
 */
export class Brief {
  readonly listingMap: Y.Map<unknown>;
  readonly photos: RecordMap<BriefPhoto>;

  constructor(readonly doc: Y.Doc) {
    this.listingMap = doc.getMap(LISTING_MAP);
    this.photos = new RecordMap(doc, briefPhotoKind);
  }

  /** The shared types a per-user `Y.UndoManager` tracks for brief edits. */
  get undoScope(): Y.Map<unknown>[] {
    return [this.listingMap, this.photos.ymap] as Y.Map<unknown>[];
  }

  listing(): ListingSnapshot {
    return readListing(this.listingMap);
  }

  snapshot(): BriefSnapshot {
    return normalizeBrief({ listing: this.listing(), photos: this.photos.all() });
  }

  /**
   * Writes changes from an operation. Call inside `ProjectDoc.transact` with the user's origin. Everything is
   * validated before the first write (Yjs cannot roll a transaction back), so a stale change set writes nothing.
   */
  apply(changes: readonly BriefChange[]): void {
    if (!this.doc._transaction) throw new Error('Brief.apply runs inside a transaction (ProjectDoc.transact).');
    let listing: ListingSnapshot | null = null;
    const pending = new Map<string, { existed: boolean; after: BriefPhoto | null }>();
    for (const change of changes) {
      if (change.kind === 'listing') {
        listing = patchListing(listing ?? this.listing(), change.patch);
        continue;
      }
      const id = changeId(change);
      let entry = pending.get(id);
      if (!entry) {
        const current = this.photos.get(id);
        entry = { existed: current !== undefined, after: current ?? null };
        pending.set(id, entry);
      }
      entry.after = changedRecord(entry.after ?? undefined, change as RecordChange<'photo', BriefPhoto>);
    }
    const validListing = listing && listingSchema.parse(listing);
    const valid = [...pending].map(([id, e]) => ({ id, existed: e.existed, after: e.after && briefPhotoKind.schema.parse(e.after) }));
    if (validListing) writeListing(this.listingMap, validListing);
    for (const { id, existed, after } of valid) {
      if (after === null) this.photos.delete(id);
      else if (existed) this.photos.update(id, after);
      else this.photos.insert(after);
    }
  }

  /** Called after any change to the brief; returns the unsubscribe function. */
  observe(fn: () => void): () => void {
    const handler = () => fn();
    this.listingMap.observeDeep(handler);
    const off = this.photos.observe(fn);
    return () => {
      this.listingMap.unobserveDeep(handler);
      off();
    };
  }
}
