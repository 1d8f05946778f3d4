import { Readable } from 'node:stream';
import type { Logger } from '../log';
import type { BlobStorage } from '../storage/storage';

/** Where cached pieces of listing videos live in the studio's storage (a folder locally, keys in a bucket). */
export const LISTING_CLIP_PREFIX = 'listing-clips/';
/** A piece's key: a hash of everything that made it (workers/listing/clip-cache.ts settingsHash). */
export const LISTING_CLIP_KEY = /^[0-9a-f]{32}$/;
const DAY_MS = 24 * 3600_000;
const DEFAULT_RETENTION_DAYS = 7;

/** LISTING_CLIP_RETENTION_DAYS: pieces not used for this long are deleted (default 7 days). */
export function listingClipRetentionMs(env: Record<string, string | undefined> = process.env): number {
  const days = Number(env.LISTING_CLIP_RETENTION_DAYS || DEFAULT_RETENTION_DAYS);
  if (!Number.isFinite(days) || days <= 0) throw new Error(`LISTING_CLIP_RETENTION_DAYS is a number of days above 0, not "${env.LISTING_CLIP_RETENTION_DAYS}"`);
  return days * DAY_MS;
}

export interface ListingClipStoreOptions {
  retentionMs?: number;
  /** The least time between two sweeps; a sweep follows a write once this has passed. */
  sweepEveryMs?: number;
  /** The least time between two marks of one piece as used (each mark is a request to a bucket). */
  touchEveryMs?: number;
  logger?: Logger;
}

/**
 * The listing video pieces every worker shares, as named objects in the studio's storage. A piece read is marked as
 * used by an empty `<key>.used` object beside it (written at most hourly per piece and process: a bucket cannot move
 * an object's change time portably); a piece whose last write or use is older than the retention period is swept,
 * after a write, at most once an hour per process.
 */
export class ListingClipStore {
  private readonly retentionMs: number;
  private readonly sweepEveryMs: number;
  private readonly touchEveryMs: number;
  private readonly touched = new Map<string, number>();
  private lastSweep = 0;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly storage: BlobStorage,
    private readonly o: ListingClipStoreOptions = {}
  ) {
    this.retentionMs = o.retentionMs ?? listingClipRetentionMs();
    this.sweepEveryMs = o.sweepEveryMs ?? 3600_000;
    this.touchEveryMs = o.touchEveryMs ?? 3600_000;
  }

  objectKey(key: string): string {
    if (!LISTING_CLIP_KEY.test(key)) throw new Error(`not a listing clip key: ${JSON.stringify(key)}`);
    return `${LISTING_CLIP_PREFIX}${key.slice(0, 2)}/${key}.mp4`;
  }

  private usedKey(key: string): string {
    return this.objectKey(key).replace(/\.mp4$/, '.used');
  }

  /** The piece's bytes and size, marked as used; null when no worker stored it (or it was swept). */
  async get(key: string): Promise<{ body: Readable; size: number } | null> {
    const name = this.objectKey(key);
    let found;
    try {
      found = await this.storage.getObject(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const now = Date.now();
    if (now - (this.touched.get(key) ?? 0) >= this.touchEveryMs) {
      this.touched.set(key, now);
      await this.storage.putObject(this.usedKey(key), Readable.from([]));
    }
    return found;
  }

  async put(key: string, source: Readable, maxBytes?: number): Promise<{ bytes: number }> {
    const stored = await this.storage.putObject(this.objectKey(key), source, maxBytes);
    this.touched.set(key, Date.now());
    if (Date.now() - this.lastSweep >= this.sweepEveryMs) {
      void this.sweep().catch((err) => this.o.logger?.error({ err }, 'sweeping the listing clip cache failed'));
    }
    return stored;
  }

  /** Deletes the pieces not written or used since `now` − the retention period; answers how many went. One sweep at a time. */
  sweep(now = Date.now()): Promise<number> {
    this.lastSweep = Date.now();
    for (const [key, at] of this.touched) if (this.lastSweep - at >= this.touchEveryMs) this.touched.delete(key);
    this.sweeping ??= this.collect(now - this.retentionMs).finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async collect(before: number): Promise<number> {
    const last = new Map<string, { at: number; clip: boolean }>();
    for await (const o of this.storage.listObjects(LISTING_CLIP_PREFIX)) {
      const m = /([0-9a-f]{32})\.(mp4|used)$/.exec(o.key);
      if (!m) continue;
      const seen = last.get(m[1]!) ?? { at: 0, clip: false };
      last.set(m[1]!, { at: Math.max(seen.at, o.modifiedAt), clip: seen.clip || m[2] === 'mp4' });
    }
    let swept = 0;
    for (const [key, { at, clip }] of last) {
      if (at >= before) continue;
      await this.storage.deleteObject(this.objectKey(key));
      await this.storage.deleteObject(this.usedKey(key));
      if (clip) swept++;
    }
    return swept;
  }
}
