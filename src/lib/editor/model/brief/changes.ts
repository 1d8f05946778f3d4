import { compareOrder } from '../order';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import { patchListing, type ListingPatch } from './listing';
import type { BriefPhotoSnapshot, BriefSnapshot } from './snapshot';

export type BriefChange = RecordChange<'photo', BriefPhotoSnapshot> | { op: 'update'; kind: 'listing'; patch: ListingPatch };

/** The snapshot after the changes, sorted as `Brief.snapshot()` sorts (hero not yet resolved). Pure: operations check their result with it. */
export function applyBriefChanges(s: BriefSnapshot, changes: readonly BriefChange[]): BriefSnapshot {
  let listing = s.listing;
  const photos = new Map(s.photos.map((p) => [p.id, p]));
  for (const change of changes) {
    if (change.kind === 'listing') {
      listing = patchListing(listing, change.patch);
      continue;
    }
    const id = changeId(change);
    const next = changedRecord(photos.get(id), change);
    if (next) photos.set(id, next);
    else photos.delete(id);
  }
  return { listing, photos: [...photos.values()].sort(compareOrder) };
}
