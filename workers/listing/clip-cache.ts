/**
 * Encoded pieces of listing videos under a hash of everything that made them, so a second render re-encodes only what
 * changed (a photo, its focus, the durations the music gave it). Two levels: a folder on the worker's disk, kept under
 * a size limit by dropping the least recently used pieces, in front of the studio's shared store (through the web
 * process), so a worker on another machine, or one whose folder was emptied, reuses what any worker made.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export function defaultClipCacheDir(): string {
  return process.env.LISTING_CLIP_CACHE_DIR || path.join(os.tmpdir(), 'airstudio-listing-clips');
}

const DEFAULT_CACHE_MB = 2048;

/** LISTING_CLIP_CACHE_MB: the local folder's size limit (a 1080p piece of a photo is 1–3 MB). */
export function defaultClipCacheBytes(env: Record<string, string | undefined> = process.env): number {
  const mb = Number(env.LISTING_CLIP_CACHE_MB || DEFAULT_CACHE_MB);
  if (!Number.isFinite(mb) || mb < 0) throw new Error(`LISTING_CLIP_CACHE_MB is a number of megabytes, not "${env.LISTING_CLIP_CACHE_MB}"`);
  return Math.round(mb * 1024 * 1024);
}

export function settingsHash(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 32);
}

export const CLIP_KEY = /^[0-9a-f]{32}$/;

/** The studio's store of pieces, shared by every worker (the web process's /api/worker/clips/:key). */
export interface SharedClipStore {
  /** Writes the piece to `dest` and answers true, or false when the store does not have it. */
  get(key: string, dest: string): Promise<boolean>;
  put(key: string, file: string): Promise<void>;
}

export interface ClipCacheStats {
  /** Pieces found in the local folder, fetched from the shared store, and sent to it. */
  localHits: number;
  sharedHits: number;
  sharedPuts: number;
  /** Failures of the shared store, which the render survives (it renders, or keeps the piece local). */
  sharedErrors: string[];
  /** Milliseconds spent talking to the shared store. */
  sharedMs: number;
}

interface Entry {
  bytes: number;
  usedAt: number;
}

export class ClipCache {
  readonly stats: ClipCacheStats = { localHits: 0, sharedHits: 0, sharedPuts: 0, sharedErrors: [], sharedMs: 0 };
  private index: Promise<Map<string, Entry>> | null = null;
  private readonly uploads: Promise<void>[] = [];
  /** Pieces this render uses: never evicted under it (the folder may pass its limit by one render's pieces). */
  private readonly pinned = new Set<string>();

  constructor(
    readonly dir: string,
    readonly maxBytes = defaultClipCacheBytes(),
    private readonly shared: SharedClipStore | null = null
  ) {}

  file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.mp4`);
  }

  /** What the folder holds, read once per cache (another process may share the folder: files it adds are found by stat). */
  private entries(): Promise<Map<string, Entry>> {
    this.index ??= (async () => {
      const map = new Map<string, Entry>();
      for (const sub of await readdir(this.dir).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(this.dir, sub)).catch(() => [] as string[])) {
          const key = name.replace(/\.mp4$/, '');
          if (!CLIP_KEY.test(key) || name !== `${key}.mp4`) continue;
          const st = await stat(path.join(this.dir, sub, name)).catch(() => null);
          if (st?.isFile()) map.set(key, { bytes: st.size, usedAt: st.mtimeMs });
        }
      }
      return map;
    })();
    return this.index;
  }

  /** The cached file (local, or fetched from the shared store into the folder), touched as just used; null when absent. */
  async get(key: string): Promise<string | null> {
    const file = this.file(key);
    const entries = await this.entries();
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) {
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      entries.set(key, { bytes: st.size, usedAt: now.getTime() });
      this.pinned.add(key);
      this.stats.localHits++;
      return file;
    }
    entries.delete(key);
    if (!this.shared) return null;
    const { temp, commit } = await this.reserve(key);
    const t0 = performance.now();
    try {
      if (!(await this.shared.get(key, temp))) return null;
      this.stats.sharedHits++;
      return await this.settle(key, temp, commit);
    } catch (e) {
      this.stats.sharedErrors.push(`fetching ${key}: ${(e as Error).message}`);
      return null;
    } finally {
      this.stats.sharedMs += performance.now() - t0;
      await rm(temp, { force: true });
    }
  }

  /** A temporary name to write to, and the commit that moves it into place (whole files only, never half-written ones). */
  async reserve(key: string): Promise<{ temp: string; commit: () => Promise<string> }> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}.tmp.mp4`;
    return { temp, commit: async () => (await rename(temp, file), file) };
  }

  /** A piece rendered here: into the folder, and sent to the shared store in the background (`flush` waits for it). */
  async add(key: string, temp: string, commit: () => Promise<string>): Promise<string> {
    const file = await this.settle(key, temp, commit);
    if (this.shared) this.uploads.push(this.upload(key, file));
    return file;
  }

  private async upload(key: string, file: string): Promise<void> {
    const t0 = performance.now();
    try {
      await this.shared!.put(key, file);
      this.stats.sharedPuts++;
    } catch (e) {
      this.stats.sharedErrors.push(`storing ${key}: ${(e as Error).message}`);
    } finally {
      this.stats.sharedMs += performance.now() - t0;
    }
  }

  /** Waits for the pieces still going to the shared store. */
  async flush(): Promise<void> {
    while (this.uploads.length) await Promise.all(this.uploads.splice(0));
  }

  private async settle(key: string, temp: string, commit: () => Promise<string>): Promise<string> {
    const { size } = await stat(temp);
    const file = await commit();
    (await this.entries()).set(key, { bytes: size, usedAt: Date.now() });
    this.pinned.add(key);
    await this.evict();
    return file;
  }

  /** Drops the least recently used pieces until the folder is under its limit. */
  private async evict(): Promise<void> {
    const entries = await this.entries();
    let total = 0;
    for (const e of entries.values()) total += e.bytes;
    if (total <= this.maxBytes) return;
    const oldest = [...entries].filter(([k]) => !this.pinned.has(k)).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [key, e] of oldest) {
      if (total <= this.maxBytes) break;
      await rm(this.file(key), { force: true });
      entries.delete(key);
      total -= e.bytes;
    }
  }
}

/** The shared store over the worker's authenticated requests to the web process (GET and PUT /api/worker/clips/:key). */
export function httpClipStore(request: (pathname: string, init?: RequestInit) => Promise<Response>): SharedClipStore {
  return {
    async get(key, dest) {
      const res = await request(`/api/worker/clips/${key}`);
      if (res.status === 404) {
        await res.body?.cancel();
        return false;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(dest));
      return true;
    },
    async put(key, file) {
      const { size } = await stat(file);
      const res = await request(`/api/worker/clips/${key}`, {
        method: 'PUT',
        headers: { 'content-type': 'video/mp4', 'content-length': String(size) },
        body: Readable.toWeb(createReadStream(file)) as unknown as BodyInit,
        duplex: 'half'
      } as RequestInit);
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      if (!res.ok) throw new Error(`HTTP ${res.status} ${body.error?.message ?? ''}`.trim());
    }
  };
}
