import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  sha256: string;
  bytes: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** What an object store does for us; the local folder now, S3-compatible later. */
export interface BlobStorage {
  readonly kind: string;
  /** Streams bytes in while hashing them; nothing is left behind if the stream fails or exceeds `maxBytes`. */
  putStream(source: Readable, maxBytes?: number): Promise<StoredBlob>;
  spool(source: Readable | NodeJS.ReadableStream, maxBytes?: number): Promise<StoredBlob & { file: string }>;
  /** Adopts a finished file (already hashed) by moving it into the store. */
  adoptFile(file: string, sha256: string): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /** A local path to read from (the local backend's own file). */
  pathOf(sha256: string): string;
  read(sha256: string, range?: { start: number; end: number }): Readable;
  delete(sha256: string): Promise<void>;
  /** Every stored blob with its last change (for garbage collection). */
  list(): AsyncIterable<{ sha256: string; modifiedAt: number }>;
  /** A scratch file path on the store's filesystem. */
  tempPath(prefix: string): string;
  check(): Promise<{ ok: boolean; kind: string; freeBytes?: number; error?: string }>;
}

export class TooLarge extends Error {}

/** Content-addressed files under DATA_DIR/media/ab/cd/<sha256>: equal content is stored once. */
export class LocalStorage implements BlobStorage {
  readonly kind = 'local';
  readonly root: string;
  readonly tmp: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'media');
    this.tmp = path.join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await fs.mkdir(this.tmp, { recursive: true });
    // Scratch files a crash left behind; a day's margin spares those of another web process sharing DATA_DIR.
    const dayAgo = Date.now() - 24 * 3600_000;
    for (const name of await fs.readdir(this.tmp)) {
      const file = path.join(this.tmp, name);
      const st = await fs.stat(file).catch(() => null);
      if (st && st.mtimeMs < dayAgo) await fs.rm(file, { force: true, recursive: true });
    }
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  tempPath(prefix: string): string {
    return path.join(this.tmp, `${prefix}-${randomBytes(8).toString('hex')}`);
  }

  async putStream(source: Readable, maxBytes = Infinity): Promise<StoredBlob> {
    const { sha256, bytes, file } = await this.spool(source, maxBytes);
    await this.adoptFile(file, sha256);
    return { sha256, bytes };
  }

  /** Writes a stream to a scratch file while hashing it (for checks before the bytes join the store). */
  async spool(source: Readable | NodeJS.ReadableStream, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
    const file = this.tempPath('spool');
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        source as Readable,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > maxBytes) throw new TooLarge(`over ${maxBytes} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(file)
      );
      return { sha256: hash.digest('hex'), bytes, file };
    } catch (e) {
      await fs.rm(file, { force: true });
      throw e;
    }
  }

  async adoptFile(file: string, sha256: string): Promise<void> {
    const dest = this.pathOf(sha256);
    if (await this.has(sha256)) {
      await fs.rm(file, { force: true });
      return;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fs.rename(file, dest);
    } catch (e) {
      // A tus upload folder on another filesystem: copy, then remove.
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      const part = `${dest}.part-${randomBytes(4).toString('hex')}`;
      await fs.copyFile(file, part);
      await fs.rename(part, dest);
      await fs.rm(file, { force: true });
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(sha256), range);
  }

  async *list(): AsyncIterable<{ sha256: string; modifiedAt: number }> {
    for (const a of await fs.readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await fs.readdir(path.join(this.root, a)).catch(() => [] as string[])) {
        for (const name of await fs.readdir(path.join(this.root, a, b)).catch(() => [] as string[])) {
          if (!SHA256.test(name)) continue;
          const st = await fs.stat(path.join(this.root, a, b, name)).catch(() => null);
          if (st) yield { sha256: name, modifiedAt: st.mtimeMs };
        }
      }
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  /** Writable and with free space: the state /health reports. */
  async check(): Promise<{ ok: boolean; kind: string; freeBytes?: number; error?: string }> {
    try {
      const probe = path.join(this.root, `.health-${process.pid}`);
      await fs.writeFile(probe, 'ok');
      await fs.rm(probe);
      const st = await fs.statfs(this.root);
      return { ok: true, kind: 'local', freeBytes: st.bavail * st.bsize };
    } catch (e) {
      return { ok: false, kind: 'local', error: (e as Error).message };
    }
  }
}
