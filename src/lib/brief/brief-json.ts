import type { ListingSnapshot, PhotoQuality, PhotoSetting, PhotoStatus, ResolvedTag, RoomType, StagingInstruction } from '$lib/editor/model/brief/snapshot';

/** A pinned note as the printable brief shows it. */
export interface BriefNoteJson {
  body: string;
  authorName: string;
  x: number;
  y: number;
  resolved: boolean;
}

/** A photo of the brief as the API and the printable brief give it: tags resolved, the picture's URL, its pinned notes. */
export interface BriefPhotoJson {
  id: string;
  assetId: string;
  title: string | null;
  /** A signed URL of the web-sized copy, or null while it is processed (or when the asset is gone). */
  imageUrl: string | null;
  room: ResolvedTag<RoomType> | null;
  setting: ResolvedTag<PhotoSetting> | null;
  quality: PhotoQuality | null;
  /** Where the picture's subject is (0–1 from the top left), from analysis: smart crops and Ken Burns aim at it. */
  focus: { x: number; y: number } | null;
  hero: boolean;
  includeInVideo: boolean;
  staging: StagingInstruction;
  status: PhotoStatus;
  /** The virtually staged copy (a library image carrying the "Virtually staged" mark), or null; the photo itself is the original. */
  stagedAssetId: string | null;
  /** The enhanced copy (exposure, white balance, verticals, upscaled when small), or null; the original stays the photo's asset. */
  enhancedAssetId: string | null;
  notes: BriefNoteJson[];
}

/** `GET /api/projects/:id/brief`: the brief as it is now in the project's document. */
export interface BriefJson {
  projectId: string;
  projectName: string;
  listing: ListingSnapshot;
  photos: BriefPhotoJson[];
}
