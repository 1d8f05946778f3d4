import { createHash } from 'node:crypto';
import { once } from 'node:events';
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

  // Named objects (live HLS files, recordings, tus uploads in the bucket): data every web process must see, under a
  // key such as `live/<channel>/<file>`, kept at DATA_DIR/<key> locally and at `<prefix><key>` in a bucket.
  /** Stores a stream under `key`, replacing what was there; readers never see half an object, and nothing is left behind if the stream fails or passes `maxBytes`. */
  putObject(key: string, source: Readable, maxBytes?: number): Promise<{ bytes: number }>;
  /** The object's bytes (or the inclusive range) and its whole size; rejects with code ENOENT when there is no such object. */
  getObject(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number }>;
  deleteObject(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, with its size and last change. */
  listObjects(prefix: string): AsyncIterable<StoredObject>;
  /** Deletes the objects under `prefix` last changed before `olderThan` (all when absent); answers how many went. */
  deleteObjects(prefix: string, olderThan?: number): Promise<number>;
  /** A local file holding the object's bytes, for tools that need a path (ffprobe, ffmpeg); rejects with code ENOENT when there is no such object. */
  objectFile(key: string): Promise<string>;
  /** Moves a named object into the content-addressed store as blob `sha256` (`localCopy`, a local file with the same bytes, is removed); the object is gone afterwards. */
  adoptObject(key: string, sha256: string, localCopy: string): Promise<void>;
}

export interface StoredObject {
  key: string;
  bytes: number;
  modifiedAt: number;
}

// Path segments of letters, digits, dot, dash and underscore, none starting with a dot: no `..`, no hidden scratch files.
const OBJECT_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Refuses a key that could leave the store's folder (the local store maps keys to paths). */
export function checkObjectKey(key: string, prefix = false): string {
  if (!OBJECT_KEY.test(prefix ? key.replace(/\/$/, '') : key) || key.length > 512) throw new Error(`not an object key: ${JSON.stringify(key)}`);
  return key;
}

export class TooLarge extends Error {}

/** A pipeline stage that counts the bytes going through and fails with TooLarge past `maxBytes`; `onChunk` sees each chunk. */
export function capped(maxBytes: number, onChunk?: (chunk: Buffer) => void) {
  let bytes = 0;
  const stage = async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new TooLarge(`over ${maxBytes} bytes`);
      onChunk?.(chunk);
      yield chunk;
    }
  };
  return { stage, bytes: () => bytes };
}

/** Copies `source` into `file` while hashing; the file is removed if the stream fails or passes `maxBytes`. */
export async function spoolHashed(source: Readable | NodeJS.ReadableStream, file: string, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
  const hash = createHash('sha256');
  const cap = capped(maxBytes, (chunk) => hash.update(chunk));
  await pipeIntoNewFile(source as Readable, file, cap.stage);
  return { sha256: hash.digest('hex'), bytes: cap.bytes(), file };
}

const passThrough = async function* (chunks: AsyncIterable<Buffer>) {
  yield* chunks;
};

/**
 * Pipes `source` through `stage` into `file`, removing the file on failure. The removal waits for the write stream to
 * close: it opens the file lazily, and after a quick failure could create it once the removal had run.
 */
export async function pipeIntoNewFile(source: Readable, file: string, stage: (source: AsyncIterable<Buffer>) => AsyncIterable<Buffer> = passThrough): Promise<void> {
  const out = createWriteStream(file);
  try {
    await pipeline(source, stage, out);
  } catch (e) {
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await fs.rm(file, { force: true });
    throw e;
  }
}

/** An error callers recognise as "not stored" (the code fs uses). */
export function notStored(what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${isSha256(what) ? 'blob' : 'object'} ${what} is not stored`), { code: 'ENOENT' });
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
