import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { blobPath, capped, checkObjectKey, isSha256, notStored, pipeIntoNewFile, prepareScratch, spoolHashed, type BlobStorage, type StorageCheck, type StoredBlob, type StoredObject } from './storage';

// The interface's old home: callers import from here or from './storage'.
export { TooLarge, type BlobStorage, type StoredBlob } from './storage';

/** Content-addressed files under DATA_DIR/media/ab/cd/<sha256> (equal content is stored once); named objects at DATA_DIR/<key>. */
export class LocalStorage implements BlobStorage {
  readonly kind = 'local';
  readonly root: string;
  readonly tmp: string;

  constructor(private readonly dataDir: string) {
    this.root = path.join(dataDir, 'media');
    this.tmp = path.join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await prepareScratch(this.tmp);
  }

  pathOf(sha256: string): string {
    return path.join(this.root, blobPath(sha256));
  }

  async localFile(sha256: string): Promise<string> {
    const file = this.pathOf(sha256);
    await fs.access(file);
    return file;
  }

  tempPath(prefix: string): string {
    return path.join(this.tmp, `${prefix}-${randomBytes(8).toString('hex')}`);
  }

  async putStream(source: Readable, maxBytes = Infinity): Promise<StoredBlob> {
    const { sha256, bytes, file } = await this.spool(source, maxBytes);
    await this.adoptFile(file, sha256);
    return { sha256, bytes };
  }

  async spool(source: Readable | NodeJS.ReadableStream, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
    return spoolHashed(source, this.tempPath('spool'), maxBytes);
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

  async *list(): AsyncIterable<{ sha256: string; bytes: number; modifiedAt: number }> {
    for (const a of await fs.readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of await fs.readdir(path.join(this.root, a)).catch(() => [] as string[])) {
        for (const name of await fs.readdir(path.join(this.root, a, b)).catch(() => [] as string[])) {
          if (!isSha256(name)) continue;
          const st = await fs.stat(path.join(this.root, a, b, name)).catch(() => null);
          if (st) yield { sha256: name, bytes: st.size, modifiedAt: st.mtimeMs };
        }
      }
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.rm(this.pathOf(sha256), { force: true });
  }

  private objectPath(key: string): string {
    return path.join(this.dataDir, checkObjectKey(key));
  }

  async putObject(key: string, source: Readable, maxBytes = Infinity): Promise<{ bytes: number }> {
    const file = this.objectPath(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // A hidden neighbour renamed over the object: a reader never sees half a file, and listings skip it.
    const part = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}`);
    const cap = capped(maxBytes);
    await pipeIntoNewFile(source, part, cap.stage);
    await fs.rename(part, file);
    return { bytes: cap.bytes() };
  }

  async getObject(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number }> {
    const file = this.objectPath(key);
    const handle = await fs.open(file).catch(() => {
      throw notStored(key);
    });
    const { size } = await handle.stat();
    return { body: handle.createReadStream(range), size };
  }

  async deleteObject(key: string): Promise<void> {
    await fs.rm(this.objectPath(key), { force: true });
  }

  async *listObjects(prefix: string): AsyncIterable<StoredObject> {
    checkObjectKey(prefix, true);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const dir = path.join(this.dataDir, base);
    const names = (await fs.readdir(dir, { recursive: true }).catch(() => [] as string[])).sort();
    for (const name of names) {
      const key = base + name.split(path.sep).join('/');
      if (!key.startsWith(prefix) || key.split('/').some((s) => s.startsWith('.'))) continue;
      const st = await fs.stat(path.join(dir, name)).catch(() => null);
      if (st?.isFile()) yield { key, bytes: st.size, modifiedAt: st.mtimeMs };
    }
  }

  async deleteObjects(prefix: string, olderThan = Infinity): Promise<number> {
    let deleted = 0;
    for await (const o of this.listObjects(prefix)) {
      if (o.modifiedAt >= olderThan) continue;
      await this.deleteObject(o.key);
      deleted++;
    }
    return deleted;
  }

  async objectFile(key: string): Promise<string> {
    const file = this.objectPath(key);
    await fs.access(file).catch(() => {
      throw notStored(key);
    });
    return file;
  }

  async adoptObject(key: string, sha256: string, localCopy: string): Promise<void> {
    const file = this.objectPath(key);
    if (localCopy !== file) await fs.rm(localCopy, { force: true });
    await this.adoptFile(file, sha256);
  }

  /** Writable and with free space: the state /health reports. */
  async check(): Promise<StorageCheck> {
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
