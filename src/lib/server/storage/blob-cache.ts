import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { blobPath, isSha256, notStored } from './storage';

/**
 * Local copies of remote blobs for the tools that need a file path (send, ffmpeg, sharp), at `<dir>/ab/cd/<sha256>`.
 * Least recently used copies go once the folder passes `maxBytes`. A copy is verified against its hash before use.
 */
export class BlobCache {
  /** Downloads under way, so concurrent readers of one blob wait for a single copy. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    private readonly maxBytes: number
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  fileOf(sha256: string): string {
    return path.join(this.dir, blobPath(sha256));
  }

  /**
   * The cached file, made by `download(file)` (which answers the bytes' hash) on a miss. With `verify` false, `sha256`
   * is just a name for the copy (a named object's key and version), and the hash is not compared.
   */
  async fetch(sha256: string, download: (file: string) => Promise<{ sha256: string } | void>, verify = true): Promise<string> {
    const file = this.fileOf(sha256);
    const now = new Date();
    // A hit: its use time moves forward so eviction spares it.
    if (await fs.utimes(file, now, now).then(() => true, () => false)) return file;
    let p = this.pending.get(sha256);
    if (!p) {
      p = this.fill(sha256, file, download, verify).finally(() => this.pending.delete(sha256));
      this.pending.set(sha256, p);
    }
    return p;
  }

  private async fill(sha256: string, file: string, download: (file: string) => Promise<{ sha256: string } | void>, verify: boolean): Promise<string> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const part = `${file}.part-${randomBytes(4).toString('hex')}`;
    try {
      const got = await download(part);
      if (verify && got?.sha256 !== sha256) throw new Error(`blob ${sha256} came back with different content (${got?.sha256})`);
      await fs.rename(part, file);
    } catch (e) {
      await fs.rm(part, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notStored(sha256);
      throw e;
    }
    await this.evict(file);
    return file;
  }

  async drop(sha256: string): Promise<void> {
    await fs.rm(this.fileOf(sha256), { force: true });
  }

  /** Removes the least recently used copies until the folder fits, never `keep` (the copy just made). */
  private async evict(keep: string): Promise<void> {
    const files: { file: string; bytes: number; usedAt: number }[] = [];
    const dayAgo = Date.now() - 24 * 3600_000;
    for (const a of await fs.readdir(this.dir).catch(() => [] as string[])) {
      for (const b of await fs.readdir(path.join(this.dir, a)).catch(() => [] as string[])) {
        for (const name of await fs.readdir(path.join(this.dir, a, b)).catch(() => [] as string[])) {
          const file = path.join(this.dir, a, b, name);
          const st = await fs.stat(file).catch(() => null);
          if (!st) continue;
          if (isSha256(name)) files.push({ file, bytes: st.size, usedAt: st.mtimeMs });
          // A download a crash cut short; a day's margin spares another process's download under way.
          else if (st.mtimeMs < dayAgo) await fs.rm(file, { force: true });
        }
      }
    }
    let total = files.reduce((n, f) => n + f.bytes, 0);
    files.sort((x, y) => x.usedAt - y.usedAt);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (f.file === keep) continue;
      // A reader that has the file open keeps its bytes until it closes it (POSIX unlink).
      await fs.rm(f.file, { force: true });
      total -= f.bytes;
    }
  }
}
