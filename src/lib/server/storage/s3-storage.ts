import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import { BlobCache } from './blob-cache';
import { blobPath, checkObjectKey, isSha256, notStored, pipeIntoNewFile, prepareScratch, spoolHashed, type BlobStorage, type StorageCheck, type StoredBlob, type StoredObject } from './storage';

export interface S3Settings {
  /** Empty for AWS itself; the URL of any other S3-compatible service (MinIO, Garage, R2, s3rver…). */
  endpoint: string | null;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Keys start with this (e.g. `studio-a/`), so several installs can share a bucket. */
  prefix: string;
  /** The read-through cache under DATA_DIR/cache/s3 stays under this many bytes. */
  cacheBytes: number;
  /** Files above this go up in parts of this size (S3 takes at most 5 GiB in one PUT). */
  partBytes?: number;
}

const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** The largest object one CopyObject copies (S3's limit); larger ones go up again from the local copy. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;

type S3Error = Error & { name: string; code?: string; $metadata?: { httpStatusCode?: number } };
const statusOf = (e: unknown) => (e as S3Error).$metadata?.httpStatusCode;
const isMissing = (e: unknown) => statusOf(e) === 404 || (e as S3Error).name === 'NoSuchKey' || (e as S3Error).name === 'NotFound';

/**
 * Content-addressed objects at `<prefix>media/ab/cd/<sha256>` in an S3-compatible bucket. Bytes are spooled to a
 * local scratch file while hashed, then uploaded, so a failed or oversized stream leaves nothing in the bucket.
 * Several web processes and workers may share the bucket: an object's key is its content, so writes never conflict.
 * Named objects (live HLS files, recordings, tus uploads) sit at `<prefix><key>` beside them.
 */
export class S3Storage implements BlobStorage {
  readonly kind = 's3';
  readonly tmp: string;
  readonly cache: BlobCache;
  private readonly partBytes: number;
  private connection: Promise<{ sdk: typeof S3; client: S3.S3Client }> | null = null;

  constructor(
    dataDir: string,
    private readonly settings: S3Settings
  ) {
    this.tmp = path.join(dataDir, 'tmp');
    this.cache = new BlobCache(path.join(dataDir, 'cache', 's3'), settings.cacheBytes);
    this.partBytes = settings.partBytes ?? DEFAULT_PART_BYTES;
  }

  /** The SDK and a client, loaded on first use: the SDK takes ~0.4 s to load, which a local-storage process never pays. */
  private s3(): Promise<{ sdk: typeof S3; client: S3.S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: new sdk.S3Client(this.clientConfig()) }));
    return this.connection;
  }

  /** How to reach the bucket, for another S3 client (tus's S3Store) that must talk to it the same way. */
  clientConfig(): S3.S3ClientConfig & { bucket: string } {
    return {
      bucket: this.settings.bucket,
      endpoint: this.settings.endpoint ?? undefined,
      region: this.settings.region,
      forcePathStyle: this.settings.forcePathStyle,
      credentials: { accessKeyId: this.settings.accessKeyId, secretAccessKey: this.settings.secretAccessKey },
      // Plain requests with a known length and no trailing checksums: what every S3-compatible server understands.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000 },
      maxAttempts: 3
    };
  }

  /** The bucket key of named object `key`. */
  bucketKey(key: string): string {
    return `${this.settings.prefix}${key}`;
  }

  /** Makes the local folders and checks the bucket answers; a start-up error in plain words if it does not. */
  async init(): Promise<void> {
    await prepareScratch(this.tmp);
    await this.cache.init();
    const state = await this.check();
    if (!state.ok) throw new Error(`STORAGE=s3: ${state.error}`);
  }

  private key(sha256: string): string {
    return `${this.settings.prefix}media/${blobPath(sha256)}`;
  }

  private where(): string {
    return `bucket "${this.settings.bucket}" at ${this.settings.endpoint ?? `AWS S3 (${this.settings.region})`}`;
  }

  tempPath(prefix: string): string {
    return path.join(this.tmp, `${prefix}-${randomBytes(8).toString('hex')}`);
  }

  spool(source: Readable | NodeJS.ReadableStream, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
    return spoolHashed(source, this.tempPath('spool'), maxBytes);
  }

  async putStream(source: Readable, maxBytes = Infinity): Promise<StoredBlob> {
    const { sha256, bytes, file } = await this.spool(source, maxBytes);
    await this.adoptFile(file, sha256);
    return { sha256, bytes };
  }

  async adoptFile(file: string, sha256: string): Promise<void> {
    try {
      if (await this.has(sha256)) return;
      await this.upload(file, this.key(sha256));
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private async upload(file: string, key: string): Promise<void> {
    const { sdk, client } = await this.s3();
    const { size } = await fs.stat(file);
    if (size > this.partBytes) await this.uploadInParts(file, size, key);
    else await client.send(new sdk.PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
  }

  private async uploadInParts(file: string, size: number, key: string): Promise<void> {
    const Bucket = this.settings.bucket;
    const { sdk, client } = await this.s3();
    const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key: key }));
    try {
      const parts: { ETag?: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += this.partBytes, n++) {
        const end = Math.min(size, start + this.partBytes) - 1;
        const body = createReadStream(file, { start, end });
        const { ETag } = await client.send(new sdk.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: n, Body: body, ContentLength: end - start + 1 }));
        parts.push({ ETag, PartNumber: n });
      }
      await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (e) {
      // Parts of an unfinished upload are billed and invisible to list(): drop them.
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async has(sha256: string): Promise<boolean> {
    const { sdk, client } = await this.s3();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    const out = new PassThrough();
    this.get(this.key(sha256), sha256, range).then(
      ({ body }) => {
        // The reader may have gone (a player seeking) while the bucket answered: free the connection.
        if (out.destroyed) return void body.destroy();
        body.on('error', (e) => out.destroy(e));
        out.on('close', () => body.destroy());
        body.pipe(out);
      },
      (e) => out.destroy(e)
    );
    return out;
  }

  /** GetObject of a bucket key: the body and the object's whole size; a missing object rejects with code ENOENT naming `name`. */
  private async get(key: string, name: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number }> {
    const { sdk, client } = await this.s3();
    const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
    try {
      const r = await client.send(new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: key, Range }));
      const total = /\/(\d+)$/.exec(r.ContentRange ?? '')?.[1];
      return { body: r.Body as Readable, size: total ? Number(total) : (r.ContentLength ?? 0) };
    } catch (e) {
      throw isMissing(e) ? notStored(name) : e;
    }
  }

  async putObject(key: string, source: Readable, maxBytes = Infinity): Promise<{ bytes: number }> {
    const target = this.bucketKey(checkObjectKey(key));
    // Spooled first: S3 wants the length up front, and a failed or oversized stream must not replace the object.
    const { bytes, file } = await this.spool(source, maxBytes);
    try {
      await this.upload(file, target);
      return { bytes };
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  async getObject(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number }> {
    return this.get(this.bucketKey(checkObjectKey(key)), key, range);
  }

  async deleteObject(key: string): Promise<void> {
    const { sdk, client } = await this.s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.bucketKey(checkObjectKey(key)) }));
  }

  async *listObjects(prefix: string): AsyncIterable<StoredObject> {
    const from = this.settings.prefix.length;
    for await (const o of this.listBucket(this.bucketKey(checkObjectKey(prefix, true)))) yield { ...o, key: o.key.slice(from) };
  }

  async deleteObjects(prefix: string, olderThan = Infinity): Promise<number> {
    const { sdk, client } = await this.s3();
    const old: string[] = [];
    for await (const o of this.listObjects(prefix)) if (o.modifiedAt < olderThan) old.push(this.bucketKey(o.key));
    // S3 deletes at most 1000 keys per request.
    for (let i = 0; i < old.length; i += 1000) {
      const Objects = old.slice(i, i + 1000).map((Key) => ({ Key }));
      await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects, Quiet: true } }));
    }
    return old.length;
  }

  async objectFile(key: string): Promise<string> {
    const { sdk, client } = await this.s3();
    const Key = this.bucketKey(checkObjectKey(key));
    let etag: string;
    try {
      etag = (await client.send(new sdk.HeadObjectCommand({ Bucket: this.settings.bucket, Key }))).ETag ?? '';
    } catch (e) {
      throw isMissing(e) ? notStored(key) : e;
    }
    // Cached under the key and version: a replaced object is a new copy, the old one ages out of the cache.
    const id = createHash('sha256').update(`${Key}\n${etag}`).digest('hex');
    return this.cache.fetch(id, (file) => this.getObject(key).then(({ body }) => pipeIntoNewFile(body, file)), false);
  }

  async adoptObject(key: string, sha256: string, localCopy: string): Promise<void> {
    const { sdk, client } = await this.s3();
    const Bucket = this.settings.bucket;
    const from = this.bucketKey(checkObjectKey(key));
    try {
      if (!(await this.has(sha256))) {
        // Copied inside the bucket: no byte goes up again, unless the object is over what one copy takes.
        if ((await fs.stat(localCopy)).size > MAX_COPY_BYTES) await this.upload(localCopy, this.key(sha256));
        else await client.send(new sdk.CopyObjectCommand({ Bucket, Key: this.key(sha256), CopySource: `${Bucket}/${encodeURI(from)}` }));
      }
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: from }));
    } finally {
      await fs.rm(localCopy, { force: true });
    }
  }

  localFile(sha256: string): Promise<string> {
    return this.cache.fetch(sha256, (file) => spoolHashed(this.read(sha256), file));
  }

  async delete(sha256: string): Promise<void> {
    const { sdk, client } = await this.s3();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(sha256) }));
    await this.cache.drop(sha256);
  }

  async *list(): AsyncIterable<{ sha256: string; bytes: number; modifiedAt: number }> {
    for await (const o of this.listBucket(`${this.settings.prefix}media/`)) {
      const name = o.key.split('/').pop() ?? '';
      if (isSha256(name)) yield { sha256: name, bytes: o.bytes, modifiedAt: o.modifiedAt };
    }
  }

  private async *listBucket(Prefix: string): AsyncIterable<StoredObject> {
    const { sdk, client } = await this.s3();
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) yield { key: o.Key ?? '', bytes: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 };
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** The bucket answers HeadBucket with these credentials: the state /health reports. */
  async check(): Promise<StorageCheck> {
    try {
      const { sdk, client } = await this.s3();
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.settings.bucket }));
      return { ok: true, kind: 's3' };
    } catch (e) {
      const status = statusOf(e);
      let error: string;
      if (status === 404) error = `the ${this.where()} does not exist`;
      else if (status === 403 || status === 401) error = `access to the ${this.where()} was refused: check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY`;
      else if (status) error = `the ${this.where()} answered HTTP ${status}`;
      else error = `the ${this.where()} does not answer: ${(e as S3Error).code ?? (e as Error).message}`;
      return { ok: false, kind: 's3', error };
    }
  }
}
