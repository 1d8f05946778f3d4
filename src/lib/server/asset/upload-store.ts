import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { S3Store } from '@tus/s3-store';
import type { ServerOptions } from '@tus/server';
import type { DataStore, KvStore, Upload } from '@tus/utils';
import { S3Storage } from '../storage/s3-storage';
import type { BlobStorage } from '../storage/storage';
import { HashingFileStore } from './hashing-file-store';

/** A finished upload ready for ingest: a local file to inspect, its hash, and the named object holding the same bytes (bucket uploads). */
export interface FinishedUpload {
  file: string;
  sha256: string;
  stored?: string;
}

/** Where tus keeps uploads under way: the local folder, or the bucket so that any web process can take the next PATCH. */
export interface UploadStore {
  readonly datastore: DataStore;
  /** tus server options the store needs (how upload ids map to URLs). */
  readonly options: Partial<ServerOptions>;
  finished(upload: Upload): Promise<FinishedUpload>;
  /** Removes what is left of an upload once it was ingested or refused. */
  discard(upload: Upload): Promise<void>;
  /** Removes uploads abandoned past their expiry. */
  sweep(): Promise<void>;
}

/** Unfinished uploads are kept a day for resuming, then removed. */
const EXPIRY_MS = 24 * 3600_000;

export async function uploadStore(dataDir: string, storage: BlobStorage): Promise<UploadStore> {
  if (!(storage instanceof S3Storage)) return new LocalUploads(path.join(dataDir, 'uploads'));
  // Loaded only with STORAGE=s3: it brings the AWS SDK (~0.4 s), which a local-storage process never pays.
  const { S3Store } = await import('@tus/s3-store');
  /** tus's S3Store, whose termination also removes a chunk waiting as an incomplete part (S3Store leaves it behind). */
  class BucketStore extends S3Store {
    override async remove(id: string): Promise<void> {
      await super.remove(id);
      await this.client.deleteObject({ Bucket: this.bucket, Key: this.partKey(id, true) });
    }
  }
  // No tags: expiry is swept here (multipart abort), not by a bucket lifecycle rule, and not every S3-compatible server takes tags.
  return new BucketUploads(storage, new BucketStore({ s3ClientConfig: storage.clientConfig(), expirationPeriodInMilliseconds: EXPIRY_MS, useTags: false, cache: noCache }));
}

/** DATA_DIR/uploads, hashed as the bytes stream in (one box, or several processes sharing one DATA_DIR). */
class LocalUploads implements UploadStore {
  readonly datastore: HashingFileStore;
  readonly options = {};

  constructor(directory: string) {
    this.datastore = new HashingFileStore({ directory, expirationPeriodInMilliseconds: EXPIRY_MS });
  }

  async finished(upload: Upload): Promise<FinishedUpload> {
    return { file: this.datastore.filePath(upload.id), sha256: await this.datastore.digest(upload.id, upload.size ?? upload.offset) };
  }

  async discard(upload: Upload): Promise<void> {
    this.datastore.forget(upload.id);
    const file = this.datastore.filePath(upload.id);
    await fs.rm(file, { force: true });
    await fs.rm(`${file}.json`, { force: true });
  }

  async sweep(): Promise<void> {
    this.datastore.sweep();
    await this.datastore.deleteExpired();
  }
}

const UPLOAD_NAME = /^[0-9a-f]{32}$/;

/** tus's metadata cache kept nowhere: another process may have moved the upload on since, so each request reads the bucket's `.info`. */
const noCache: KvStore<never> = { get: async () => undefined, set: async () => undefined, delete: async () => undefined, list: async () => [] };

/**
 * Uploads in the bucket (`<prefix>uploads/<id>`, tus's S3Store): chunks go straight into an S3 multipart upload and the
 * upload's state sits beside it (`<id>.info`, and `<id>.part` for a chunk smaller than a part), so any web process can
 * take the next PATCH. The finished object is read once, hashed into a local copy for inspection, and copied inside the
 * bucket to its content address.
 */
class BucketUploads implements UploadStore {
  readonly options: Partial<ServerOptions>;

  constructor(
    private readonly storage: S3Storage,
    readonly datastore: S3Store
  ) {
    const bucketKey = (name: string) => storage.bucketKey(`uploads/${name}`);
    this.options = {
      namingFunction: () => bucketKey(randomBytes(16).toString('hex')),
      // The upload's id is its bucket key; its URL names only the last part.
      generateUrl: (_req, { path: base, id }) => `${base}/${id.split('/').pop()}`,
      getFileIdFromRequest: (_req, last) => (last && UPLOAD_NAME.test(last) ? bucketKey(last) : undefined)
    };
  }

  private nameOf(upload: Upload): string {
    return `uploads/${upload.id.split('/').pop()}`;
  }

  async finished(upload: Upload): Promise<FinishedUpload> {
    // An empty upload is finished at creation, before any part: S3 has no object for it (ingest refuses it anyway).
    if (!(upload.size ?? upload.offset)) return { ...(await this.storage.spool(Readable.from([]))) };
    const stored = this.nameOf(upload);
    const { body } = await this.storage.getObject(stored);
    const { file, sha256 } = await this.storage.spool(body);
    return { file, sha256, stored };
  }

  async discard(upload: Upload): Promise<void> {
    // Aborts the multipart upload if it is still open (an empty upload's); a completed one has none to abort.
    await this.datastore.remove(upload.id).catch(() => undefined);
    const name = this.nameOf(upload);
    for (const key of [name, `${name}.info`, `${name}.part`]) await this.storage.deleteObject(key);
  }

  async sweep(): Promise<void> {
    await this.datastore.deleteExpired();
  }
}
