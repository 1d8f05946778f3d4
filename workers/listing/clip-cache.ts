/**
 * Encoded pieces of listing videos kept on the worker's disk under a hash of everything that made them, so a second
 * render re-encodes only what changed (a photo, its focus, the durations the music gave it).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function defaultClipCacheDir(): string {
  return process.env.LISTING_CLIP_CACHE_DIR || path.join(os.tmpdir(), 'airstudio-listing-clips');
}

export function settingsHash(settings: unknown): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 32);
}

export class ClipCache {
  constructor(readonly dir: string) {}

  file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.mp4`);
  }

  /** The cached file, touched so a sweep by age keeps what is in use; null when absent. */
  async get(key: string): Promise<string | null> {
    const file = this.file(key);
    try {
      if (!(await stat(file)).isFile()) return null;
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return file;
    } catch {
      return null;
    }
  }

  /** A temporary name to write to, and the commit that moves it into place (whole files only, never half-written ones). */
  async reserve(key: string): Promise<{ temp: string; commit: () => Promise<string> }> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp.mp4`;
    return { temp, commit: async () => (await rename(temp, file), file) };
  }
}
