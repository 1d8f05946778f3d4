import type { AssetJson, VariantJson, VariantName } from '$lib/asset';

/** 75 → "1:15", 3725 → "1:02:05"; unknown → "–". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, as file managers show sizes: 1 534 000 → "1.5 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  let v = Math.max(0, bytes);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export const formatSpeed = (bytesPerSecond: number) => `${formatBytes(bytesPerSecond)}/s`;

export function variant(asset: AssetJson, name: VariantName): VariantJson | undefined {
  return asset.variants.find((v) => v.name === name);
}

/** The picture that stands for an asset in the grid: an image's thumbnail, a video's poster. */
export function thumbnailOf(asset: AssetJson): VariantJson | undefined {
  return variant(asset, 'thumb') ?? variant(asset, 'poster');
}

export const KIND_LABELS = { audio: 'Audio', video: 'Video', image: 'Image' } as const;
export const STATUS_LABELS = { pending: 'Pending', approved: 'Approved', rejected: 'Rejected' } as const;
export const PROCESSING_LABELS = { queued: 'Waiting to process', running: 'Processing', ready: 'Ready', failed: 'Processing failed' } as const;

/** A signed dB value with a real minus sign: -23.41 → "−23.4". */
export function formatDb(value: unknown, digits = 1): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return value.toFixed(digits).replace('-', '−');
}

/**
 * Signed URLs are re-signed on every event (new `exp` every few minutes): keep the first one per file while it is valid,
 * so a player or an image does not reload because the asset's status or title changed.
 */
const stable = new Map<string, string>();
export function stableUrl(key: string, url: string): string {
  const prev = stable.get(key);
  const exp = prev ? Number(new URL(prev, 'http://x').searchParams.get('exp')) * 1000 : 0;
  if (prev && (!exp || exp > Date.now() + 5 * 60_000)) return prev;
  stable.set(key, url);
  return url;
}

/** A stable URL for an asset's original (no variant) or one of its variants. */
export function fileUrl(asset: AssetJson, v?: VariantJson): string {
  return v ? stableUrl(`${asset.id}:${v.name}:${v.sha256}`, v.url) : stableUrl(`${asset.id}:original:${asset.sha256}`, asset.url);
}

/** A point in a clip to a hundredth of a second (m:ss.cc), for findings such as scene cuts. */
export function formatSeconds(seconds: number): string {
  const cs = Math.round(Math.max(0, seconds) * 100);
  return `${Math.floor(cs / 6000)}:${String(Math.floor((cs % 6000) / 100)).padStart(2, '0')}.${String(cs % 100).padStart(2, '0')}`;
}
