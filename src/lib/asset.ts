/** Media assets as the API and the library see them. */
export const ASSET_KINDS = ['audio', 'video', 'image'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** Moderation: only approved assets go on air or into renders. */
export const ASSET_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

export const PROCESSING_STATES = ['queued', 'running', 'ready', 'failed'] as const;
export type ProcessingState = (typeof PROCESSING_STATES)[number];

/** Variants a worker derives from the original (the original itself is always kept). */
export type VariantName = 'broadcast' | 'waveform' | 'proxy' | 'poster' | 'sprite' | 'web' | 'thumb';

export interface VariantJson {
  name: VariantName | string;
  mime: string;
  bytes: number;
  sha256: string;
  /** What the variant is: loudness of a broadcast copy, a sprite's grid, an image's size. */
  meta: Record<string, unknown>;
  /** Signed, expiring URL (works without a session, e.g. in a player or a worker). */
  url: string;
}

export interface AssetJson {
  id: string;
  projectId: string;
  kind: AssetKind;
  status: AssetStatus;
  rejectionReason: string | null;
  sha256: string;
  bytes: number;
  mime: string;
  /** The uploader's file name, kept as metadata only (files on disk are named by hash). */
  originalName: string;
  title: string;
  artist: string;
  description: string;
  category: string;
  tags: string[];
  /** Seconds, once probed. */
  duration: number | null;
  width: number | null;
  height: number | null;
  processing: { state: ProcessingState; error: string | null; jobId: string | null };
  probe: unknown;
  variants: VariantJson[];
  /** Signed, expiring URL of the original. */
  url: string;
  uploadedBy: string | null;
  /** A rendered cut: the render job and the document version (Yjs state vector, base64) it was made from. */
  render: { jobId: string; docVersion: string } | null;
  createdAt: number;
  updatedAt: number;
  /** Set on an upload answer when the same content was already in the project. */
  duplicate?: boolean;
}
