import type * as Y from 'yjs';
import { RecordMap } from '../record-map';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import type { BriefChange } from './changes';
import { LISTING_MAP, listingSchema, patchListing, readListing, writeListing } from './listing';
import { normalizeBrief } from './normalize';
import { briefPhotoKind, type BriefPhoto } from './photo';
import { placementKind, type StagingPlacement } from './placement';
import type { BriefSnapshot, ListingSnapshot } from './snapshot';
import { applyStagingChanges, type StagingChange, type StagingSnapshot } from './staging-operations';

/**
 * The typed face of a project's staging brief: the listing in the `briefListing` Y.Map (one key per field) and the
 * photos keyed by id in `briefPhotos`, ordered by fractional keys. Edits are computed by the pure functions in
 * `operations.ts` and written by `apply`, inside the caller's transaction (one gesture, one undo step).
 */
export class Brief {
  readonly listingMap: Y.Map<unknown>;
  readonly photos: RecordMap<BriefPhoto>;
  /** Cut-outs placed on the photos' staging boards. */
  readonly placements: RecordMap<StagingPlacement>;

  constructor(readonly doc: Y.Doc) {
    this.listingMap = doc.getMap(LISTING_MAP);
    this.photos = new RecordMap(doc, briefPhotoKind);
    this.placements = new RecordMap(doc, placementKind);
  }

  /** The shared types a per-user `Y.UndoManager` tracks for brief edits. */
  get undoScope(): Y.Map<unknown>[] {
    return [this.listingMap, this.photos.ymap, this.placements.ymap] as Y.Map<unknown>[];
  }

  listing(): ListingSnapshot {
    return readListing(this.listingMap);
  }

  snapshot(): BriefSnapshot {
    return normalizeBrief({ listing: this.listing(), photos: this.photos.all() });
  }

  /** The staging boards: placements on photos still in the brief (a removed photo's stay stored, so undo brings them back). */
  staging(): StagingSnapshot {
    const photoIds = [...this.photos.ymap.keys()].filter((id) => this.photos.get(id));
    const present = new Set(photoIds);
    return applyStagingChanges({ photoIds, placements: this.placements.all().filter((p) => present.has(p.photoId)) }, []);
  }

  /** Writes staging-board changes; inside `ProjectDoc.transact`, validated before the first write as `apply` is. */
  applyStaging(changes: readonly StagingChange[]): void {
    if (!this.doc._transaction) throw new Error('Brief.applyStaging runs inside a transaction (ProjectDoc.transact).');
    const before = new Map(this.placements.all().map((p) => [p.id, p]));
    const after = applyStagingChanges({ photoIds: [], placements: [...before.values()] }, changes).placements.map((p) => placementKind.schema.parse(p));
    const kept = new Set(after.map((p) => p.id));
    for (const id of before.keys()) if (!kept.has(id)) this.placements.delete(id);
    for (const p of after) {
      if (!before.has(p.id)) this.placements.insert(p);
      else if (JSON.stringify(before.get(p.id)) !== JSON.stringify(p)) this.placements.update(p.id, p);
    }
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
    const offPlacements = this.placements.observe(fn);
    return () => {
      this.listingMap.unobserveDeep(handler);
      off();
      offPlacements();
    };
  }
}
