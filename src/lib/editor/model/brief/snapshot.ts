/**
 * A listing's staging brief as plain data: what the model reads out of the Yjs document, what the board, the
 * printable brief and (later) the photo-analysis and listing-video workers take. Photos are keyed by id and ordered
 * by fractional keys (never Y.Array positions).
 */

/** The rooms the board tags with the number keys, in key order (1–9; 0 is "other"). */
export const ROOM_TYPES = ['living-room', 'bedroom', 'kitchen', 'bathroom', 'dining-room', 'office', 'exterior-front', 'backyard', 'pool', 'other'] as const;
export type RoomType = (typeof ROOM_TYPES)[number];

export const SETTINGS = ['interior', 'exterior'] as const;
/** Inside the house or outside it. */
export type PhotoSetting = (typeof SETTINGS)[number];

export const PHOTO_STATUSES = ['todo', 'in-progress', 'done'] as const;
export type PhotoStatus = (typeof PHOTO_STATUSES)[number];

/** A machine's guess (the photo-analysis job, later) with how sure it is, 0–1. */
export interface Detected<T> {
  value: T;
  confidence: number;
}

/**
 * A tag a person and a detector may both set. Kept apart, so a person's choice wins over any detector write, even a
 * concurrent one, and clearing the person's choice shows the detector's again.
 */
export interface Tagged<T> {
  person: T | null;
  detected: Detected<T> | null;
}

/** What the tag reads as: the person's choice, else the detector's, else nothing. */
export interface ResolvedTag<T> {
  value: T;
  source: 'person' | 'detector';
  /** 1 for a person's choice. */
  confidence: number;
}

/** Quality score 0–100 with the reasons that lowered it (sharpness, exposure, noise, resolution, tilt). */
export interface PhotoQuality {
  score: number;
  reasons: string[];
}

/** What the human stager is asked to do with a photo. */
export interface StagingInstruction {
  /** A design kit's name or a style name ("Scandinavian"); null when none is chosen. The staging board lists that kit's cut-outs first. */
  style: string | null;
  removeFurniture: boolean;
  dayToDusk: boolean;
  skyReplacement: boolean;
  notes: string;
}

export interface BriefPhotoSnapshot {
  id: string;
  /** The library image. */
  assetId: string;
  order: string;
  room: Tagged<RoomType>;
  setting: Tagged<PhotoSetting>;
  /** Written by the photo-analysis job; null until it ran. */
  quality: PhotoQuality | null;
  /** Where the picture's subject is, 0–1 of width and height (smart crops, Ken Burns); null until analysed. */
  focus: { x: number; y: number } | null;
  /** The cover photo. At most one photo reads as hero (see `normalizeBrief`). */
  hero: boolean;
  includeInVideo: boolean;
  staging: StagingInstruction;
  status: PhotoStatus;
  /** The virtually staged copy (a library asset), once the staging board renders one; the original stays linked. */
  stagedAssetId: string | null;
  /** The enhanced copy (exposure, white balance, verticals, upscaled when small), once made; the original stays linked. */
  enhancedAssetId: string | null;
}

export interface AgentBranding {
  name: string;
  phone: string;
  /** A library image. */
  logoAssetId: string | null;
  /** #rrggbb */
  primaryColor: string;
  accentColor: string;
}

export interface ListingSnapshot {
  address: string;
  /** Whole currency units; null when not set. */
  price: number | null;
  currency: string;
  beds: number | null;
  /** Half baths count: 2.5. */
  baths: number | null;
  area: number | null;
  areaUnit: 'sqft' | 'm2';
  branding: AgentBranding;
  /** MLS rules: no agent or brokerage name, logo, phone in the exports. */
  mlsUnbranded: boolean;
}

export interface BriefSnapshot {
  listing: ListingSnapshot;
  /** By order, then id. */
  photos: BriefPhotoSnapshot[];
}

/** What the library says about an asset the brief may take: only processed images go in. */
export interface BriefAsset {
  kind: string;
  title?: string;
}
export type BriefAssets = Readonly<Record<string, BriefAsset>>;
