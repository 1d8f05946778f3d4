import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  sha256: string;
  bytes: number;
}

export interface StorageCheck {
  ok: boolean;
  kind: string;
  freeBytes?: number;
  error?: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
export const isSha256 = (s: string): boolean => SHA256.test(s);

/** `ab/cd/<sha256>`: where a blob sits under the store's root, in every backend. */
export function blobPath(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** What an object store does for us: the local folder (LocalStorage) or an S3-compatible bucket (S3Storage). */
export interface BlobStorage {
  readonly kind: string;
  /** Streams bytes in while hashing them; nothing is left behind if the stream fails or exceeds `maxBytes`. */
  putStream(source: Readable, maxBytes?: number): Promise<StoredBlob>;
  /** Writes a stream to a local scratch file while hashing it (for checks before the bytes join the store). */
  spool(source: Readable | NodeJS.ReadableStream, maxBytes?: number): Promise<StoredBlob & { file: string }>;
  /** Adopts a finished local file (already hashed) into the store; the file is gone afterwards. */
  adoptFile(file: string, sha256: string): Promise<void>;
  has(sha256: string): Promise<boolean>;
  /**
   * A local file holding the blob's bytes, for tools that need a path (send, ffmpeg, sharp): the local store's own
   * file, or a read-through cached copy. Rejects with code ENOENT when the blob is not stored.
   */
  localFile(sha256: string): Promise<string>;
  /** The bytes, or the inclusive byte range `start`–`end`; the stream errors with code ENOENT when the blob is not stored. */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  delete(sha256: string): Promise<void>;
  /** Every stored blob with its size and last change (for garbage collection). */
  list(): AsyncIterable<{ sha256: string; bytes: number; modifiedAt: number }>;
  /** A local scratch file path. */
  tempPath(prefix: string): string;
  check(): Promise<StorageCheck>;
}

export class TooLarge extends Error {}

/** Copies `source` into `file` while hashing; the file is removed if the stream fails or passes `maxBytes`. */
export async function spoolHashed(source: Readable | NodeJS.ReadableStream, file: string, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
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

/** An error callers recognise as "not stored" (the code fs uses). */
export function notStored(sha256: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`blob ${sha256} is not stored`), { code: 'ENOENT' });
}

/** Makes the scratch folder and empties it of what a crash left; a day's margin spares another process's files. */
export async function prepareScratch(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    const st = await fs.stat(file).catch(() => null);
    if (st && st.mtimeMs < dayAgo) await fs.rm(file, { force: true, recursive: true });
  }
}
