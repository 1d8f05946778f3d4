/**
 * The bucket's tus uploads are swept once abandoned: the store the studio builds for STORAGE=s3, against s3rver,
 * aborts multipart uploads started over a day ago and deletes their state objects, and spares recent ones.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadStore } from '$lib/server/asset/upload-store';
import { S3Storage } from '$lib/server/storage/s3-storage';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';

let s3: RunningS3;
let dataDir: string;

beforeAll(async () => {
  s3 = await startS3rver();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-upload-sweep-'));
});
afterAll(async () => {
  await s3?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** s3rver's folders of open multipart uploads, by the key each is for. */
function openMultipart(): Map<string, string> {
  const dir = path.join(s3.directory, s3.bucket, '._S3rver_uploads');
  const open = new Map<string, string>();
  for (const id of fs.existsSync(dir) ? fs.readdirSync(dir) : []) open.set(fs.readFileSync(path.join(dir, id, 'key'), 'utf8'), path.join(dir, id));
  return open;
}

describe('sweeping tus uploads in the bucket', () => {
  it('aborts uploads started over a day ago, with their info and waiting chunk, and keeps recent ones', async () => {
    const storage = new S3Storage(dataDir, { endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true, prefix: 'sweep/', cacheBytes: 1 << 20 });
    await storage.init();
    const store = await uploadStore(dataDir, storage);
    const ids = ['old', 'new'].map(() => `sweep/uploads/${randomBytes(16).toString('hex')}`);
    for (const id of ids) {
      await store.datastore.create(new Upload({ id, size: 10 * 1024 * 1024, offset: 0, metadata: { filename: 'a.mp4' } }));
      // Less than a part: it waits in the bucket as `<id>.part` for the next PATCH.
      expect(await store.datastore.write(Readable.from([randomBytes(1000)]), id, 0)).toBe(1000);
    }
    const [oldId, newId] = ids;
    // The multipart uploads hold no object yet: the state is beside them.
    expect((await s3.keys('sweep/uploads/')).sort()).toEqual([`${oldId}.info`, `${oldId}.part`, `${newId}.info`, `${newId}.part`].sort());
    // Started two days ago, as far as the bucket knows.
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    fs.utimesSync(path.join(openMultipart().get(oldId)!, 'key'), twoDaysAgo, twoDaysAgo);

    await store.sweep();
    expect([...openMultipart().keys()]).toEqual([newId]);
    expect((await s3.keys('sweep/uploads/')).sort()).toEqual([`${newId}.info`, `${newId}.part`]);
    expect((await store.datastore.getUpload(newId)).offset).toBe(1000);
  });
});
