/**
 * Brief edits as pure functions: a snapshot (as `Brief.snapshot()` reads it) and a gesture in, the changes that make
 * it (for `Brief.apply`) or a reason a user can read. Nothing here touches Yjs.
 */
import { clampIndex, orderKeysAt } from '../order';
import { applyBriefChanges, type BriefChange } from './changes';
import { newBriefId } from './ids';
import { listingSchema, type ListingPatch } from './listing';
import { briefPhotoSchema, newBriefPhoto } from './photo';
import type { BriefAssets, BriefPhotoSnapshot, BriefSnapshot, Detected, PhotoQuality, PhotoSetting, PhotoStatus, RoomType, StagingInstruction } from './snapshot';

export interface BriefOperationOptions {
  /** New record ids; tests pass a counter so a seed replays the same ids. */
  newId?: () => string;
}

export type BriefOperationResult = { ok: true; changes: BriefChange[]; created: string[] } | { ok: false; reason: string };

const refuse = (reason: string): BriefOperationResult => ({ ok: false, reason });
const done = (): BriefOperationResult => ({ ok: true, changes: [], created: [] });
const update = (id: string, patch: Partial<Omit<BriefPhotoSnapshot, 'id'>>): BriefChange => ({ op: 'update', kind: 'photo', id, patch });
const GONE = 'A photo you are changing is no longer in the brief.';

/** Checks every record the changes leave behind, as `Brief.apply` will. */
function commit(s: BriefSnapshot, changes: BriefChange[], created: string[] = []): BriefOperationResult {
  if (changes.length === 0) return done();
  const next = applyBriefChanges(s, changes);
  for (const change of changes) {
    if (change.op === 'delete') continue;
    const r = change.kind === 'listing' ? listingSchema.safeParse(next.listing) : briefPhotoSchema.safeParse(next.photos.find((p) => p.id === (change.op === 'insert' ? change.record.id : change.id)));
    if (!r.success) return refuse(r.error.issues[0].message);
  }
  return { ok: true, changes, created };
}

/** The photos named, in brief order; null when one is gone or none is named. */
function selected(s: BriefSnapshot, photoIds: readonly string[]): BriefPhotoSnapshot[] | null {
  const ids = new Set(photoIds);
  const photos = s.photos.filter((p) => ids.has(p.id));
  return ids.size > 0 && photos.length === ids.size ? photos : null;
}

/** One patch per photo that it changes; `patch` sees the photo. */
function eachPhoto(s: BriefSnapshot, photoIds: readonly string[], patch: (p: BriefPhotoSnapshot) => Partial<Omit<BriefPhotoSnapshot, 'id'>> | null): BriefOperationResult {
  const photos = selected(s, photoIds);
  if (!photos) return refuse(photoIds.length === 0 ? 'Select the photos first.' : GONE);
  const changes = photos.flatMap((p) => {
    const next = patch(p);
    return next ? [update(p.id, next)] : [];
  });
  return commit(s, changes);
}

/** Listing fields; only the fields named change (so two people filling different fields both keep theirs). */
export function setListing(s: BriefSnapshot, args: { patch: ListingPatch }): BriefOperationResult {
  const patch: ListingPatch = {};
  for (const [k, v] of Object.entries(args.patch)) {
    if (k === 'branding' || v === undefined) continue;
    const value = typeof v === 'string' ? v.trim() : v;
    if (value !== s.listing[k as keyof typeof s.listing]) (patch as Record<string, unknown>)[k] = value;
  }
  const branding: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args.patch.branding ?? {})) {
    const value = typeof v === 'string' && k !== 'logoAssetId' ? v.trim() : v;
    if (v !== undefined && value !== s.listing.branding[k as keyof typeof s.listing.branding]) branding[k] = value;
  }
  if (Object.keys(branding).length) patch.branding = branding;
  return Object.keys(patch).length ? commit(s, [{ op: 'update', kind: 'listing', patch }]) : done();
}

/**
 * Library images into the brief at `index` (default: the end), in the order given. Only images go in; an image
 * already in the brief is not added twice.
 */
export function addPhotos(s: BriefSnapshot, args: { assetIds: readonly string[]; index?: number; assets: BriefAssets }, opts: BriefOperationOptions = {}): BriefOperationResult {
  if (args.assetIds.length === 0) return refuse('Choose the photos to add.');
  for (const id of args.assetIds) {
    const asset = args.assets[id];
    if (!asset) return refuse('A photo you are adding is no longer in the library.');
    if (asset.kind !== 'image') return refuse(`${asset.title ? `"${asset.title}"` : 'That file'} is not a photo: only images go in the brief.`);
  }
  const present = new Set(s.photos.map((p) => p.assetId));
  const adding = [...new Set(args.assetIds)].filter((id) => !present.has(id));
  if (adding.length === 0) return refuse(args.assetIds.length === 1 ? 'That photo is already in the brief.' : 'Those photos are already in the brief.');
  const { keys, rekey } = orderKeysAt(s.photos, clampIndex(args.index, s.photos.length), adding.length);
  const records = adding.map((assetId, i) => newBriefPhoto({ id: (opts.newId ?? newBriefId)(), assetId, order: keys[i] }));
  return commit(
    s,
    [...rekey.map((r) => update(r.id, { order: r.order })), ...records.map((record): BriefChange => ({ op: 'insert', kind: 'photo', record }))],
    records.map((r) => r.id)
  );
}

export function removePhotos(s: BriefSnapshot, args: { photoIds: readonly string[] }): BriefOperationResult {
  const photos = selected(s, args.photoIds);
  if (!photos) return refuse(args.photoIds.length === 0 ? 'Select the photos to remove.' : GONE);
  return commit(s, photos.map((p): BriefChange => ({ op: 'delete', kind: 'photo', id: p.id })));
}

/**
 * Moves the selected photos together to `index` among the others (counted without them), keeping their relative
 * order. Only the moved photos get new keys (unless the spot has none between equal keys).
 */
export function movePhotos(s: BriefSnapshot, args: { photoIds: readonly string[]; index: number }): BriefOperationResult {
  const moving = selected(s, args.photoIds);
  if (!moving) return refuse(args.photoIds.length === 0 ? 'Select the photos to move.' : GONE);
  const ids = new Set(moving.map((p) => p.id));
  const others = s.photos.filter((p) => !ids.has(p.id));
  const index = clampIndex(args.index, others.length);
  const after = [...others.slice(0, index), ...moving, ...others.slice(index)];
  if (after.every((p, i) => p === s.photos[i])) return done();
  const { keys, rekey } = orderKeysAt(others, index, moving.length);
  return commit(s, [...rekey.map((r) => update(r.id, { order: r.order })), ...moving.map((p, i) => update(p.id, { order: keys[i] }))]);
}

/** A person's room type (null clears it, showing the detector's again). Kept over any detector result. */
export function setRoom(s: BriefSnapshot, args: { photoIds: readonly string[]; room: RoomType | null }): BriefOperationResult {
  return eachPhoto(s, args.photoIds, (p) => (p.room.person === args.room ? null : { room: { ...p.room, person: args.room } }));
}

/** A detector's room type with its confidence (the photo-analysis job). A person's choice still wins where there is one. */
export function detectRoom(s: BriefSnapshot, args: { photoId: string; room: RoomType; confidence: number }): BriefOperationResult {
  return eachPhoto(s, [args.photoId], (p) => ({ room: { ...p.room, detected: { value: args.room, confidence: args.confidence } } }));
}

/** What the photo-analysis job found for one library image. */
export interface PhotoAnalysisFindings {
  assetId: string;
  quality: PhotoQuality;
  focus: { x: number; y: number };
  room: Detected<RoomType> | null;
  setting: Detected<PhotoSetting> | null;
}

/**
 * Writes analysis results into every photo showing an analysed image: quality, focus and the detector's room and
 * setting (a new analysis replaces the last, even with "no guess"). A person's tags are never touched.
 */
export function writeAnalysis(s: BriefSnapshot, args: { findings: readonly PhotoAnalysisFindings[] }): BriefOperationResult {
  const byAsset = new Map(args.findings.map((f) => [f.assetId, f]));
  return commit(
    s,
    s.photos.flatMap((p) => {
      const f = byAsset.get(p.assetId);
      if (!f) return [];
      return [update(p.id, { quality: f.quality, focus: f.focus, room: { ...p.room, detected: f.room }, setting: { ...p.setting, detected: f.setting } })];
    })
  );
}

/** Points every photo showing `sourceAssetId` at its enhanced copy (the original stays the photo's asset). */
export function setEnhanced(s: BriefSnapshot, args: { sourceAssetId: string; enhancedAssetId: string }): BriefOperationResult {
  return commit(s, s.photos.flatMap((p) => (p.assetId === args.sourceAssetId && p.enhancedAssetId !== args.enhancedAssetId ? [update(p.id, { enhancedAssetId: args.enhancedAssetId })] : [])));
}

/** A person's interior or exterior (null clears it). */
export function setSetting(s: BriefSnapshot, args: { photoIds: readonly string[]; setting: PhotoSetting | null }): BriefOperationResult {
  return eachPhoto(s, args.photoIds, (p) => (p.setting.person === args.setting ? null : { setting: { ...p.setting, person: args.setting } }));
}

/** Makes one photo the hero (the cover), taking the flag from any other; null leaves the brief without one. */
export function setHero(s: BriefSnapshot, args: { photoId: string | null }): BriefOperationResult {
  if (args.photoId !== null && !s.photos.some((p) => p.id === args.photoId)) return refuse(GONE);
  return commit(
    s,
    s.photos.flatMap((p) => {
      const hero = p.id === args.photoId;
      return p.hero === hero ? [] : [update(p.id, { hero })];
    })
  );
}

export function setIncludeInVideo(s: BriefSnapshot, args: { photoIds: readonly string[]; include: boolean }): BriefOperationResult {
  return eachPhoto(s, args.photoIds, (p) => (p.includeInVideo === args.include ? null : { includeInVideo: args.include }));
}

/** Staging instruction fields; only the fields named change. */
export function setStaging(s: BriefSnapshot, args: { photoIds: readonly string[]; patch: Partial<StagingInstruction> }): BriefOperationResult {
  const patch = { ...args.patch };
  if (typeof patch.style === 'string') patch.style = patch.style.trim() || null;
  return eachPhoto(s, args.photoIds, (p) => {
    const changed = Object.entries(patch).filter(([k, v]) => v !== undefined && p.staging[k as keyof StagingInstruction] !== v);
    return changed.length ? { staging: { ...p.staging, ...Object.fromEntries(changed) } } : null;
  });
}

export function setStatus(s: BriefSnapshot, args: { photoIds: readonly string[]; status: PhotoStatus }): BriefOperationResult {
  return eachPhoto(s, args.photoIds, (p) => (p.status === args.status ? null : { status: args.status }));
}

/** The staged copy of a photo (the staging render's result); the photo's own picture stays as it was. */
export function setStagedAsset(s: BriefSnapshot, args: { photoId: string; assetId: string | null }): BriefOperationResult {
  return eachPhoto(s, [args.photoId], (p) => (p.stagedAssetId === args.assetId ? null : { stagedAssetId: args.assetId }));
}
