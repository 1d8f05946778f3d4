import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '$lib/server/config';
import { LocalStorage } from '$lib/server/storage/local-storage';
import { S3Storage, type S3Settings } from '$lib/server/storage/s3-storage';
import { TooLarge, type BlobStorage } from '$lib/server/storage/storage';
import { createTestApp, makeUser } from '../helpers/app';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Bytes as a stream of small chunks, as a request body arrives. */
const chunked = (b: Buffer, size = 1000) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));
const drain = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
const listed = async (s: BlobStorage) => {
  const all: { sha256: string; bytes: number }[] = [];
  for await (const b of s.list()) all.push({ sha256: b.sha256, bytes: b.bytes });
  return all;
};
const filesUnder = (dir: string): string[] => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : []);

let s3: RunningS3;
const dirs: string[] = [];
const dataDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-blobs-'));
  dirs.push(d);
  return d;
};
const settings = (over: Partial<S3Settings> = {}): S3Settings => ({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  bucket: s3.bucket,
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  forcePathStyle: true,
  prefix: '',
  cacheBytes: 64 * 1024 * 1024,
  ...over
});

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const backends: [string, () => Promise<{ storage: BlobStorage; dir: string }>][] = [
  ['LocalStorage', async () => {
    const dir = dataDir();
    const storage = new LocalStorage(dir);
    await storage.init();
    return { storage, dir };
  }],
  ['S3Storage on s3rver', async () => {
    const dir = dataDir();
    // A prefix of its own per run, so the contract's list() sees only this backend's objects.
    const storage = new S3Storage(dir, settings({ prefix: `run-${randomBytes(4).toString('hex')}/` }));
    await storage.init();
    return { storage, dir };
  }]
];

describe.each(backends)('BlobStorage contract: %s', (_name, make) => {
  let storage: BlobStorage;
  let dir: string;
  beforeAll(async () => ({ storage, dir } = await make()));

  it('stores a stream under its hash, reads it whole and by range, lists it and deletes it', async () => {
    const bytes = randomBytes(50_000);
    const blob = await storage.putStream(chunked(bytes));
    expect(blob).toEqual({ sha256: sha(bytes), bytes: bytes.length });
    expect(await storage.has(blob.sha256)).toBe(true);
    expect((await drain(storage.read(blob.sha256))).equals(bytes)).toBe(true);
    expect((await drain(storage.read(blob.sha256, { start: 1000, end: 1999 }))).equals(bytes.subarray(1000, 2000))).toBe(true);
    expect(fs.readFileSync(await storage.localFile(blob.sha256)).equals(bytes)).toBe(true);
    expect(await listed(storage)).toContainEqual({ sha256: blob.sha256, bytes: bytes.length });

    await storage.delete(blob.sha256);
    expect(await storage.has(blob.sha256)).toBe(false);
    expect((await listed(storage)).map((b) => b.sha256)).not.toContain(blob.sha256);
    await expect(drain(storage.read(blob.sha256))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(storage.localFile(blob.sha256)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stores equal content once', async () => {
    const bytes = Buffer.from(`same content ${randomBytes(8).toString('hex')}`);
    const a = await storage.putStream(chunked(bytes, 7));
    const b = await storage.putStream(chunked(bytes, 3));
    expect(b).toEqual(a);
    expect((await listed(storage)).filter((x) => x.sha256 === a.sha256)).toHaveLength(1);
  });

  it('leaves nothing behind when a stream is too large or fails midway', async () => {
    const before = await listed(storage);
    const big = randomBytes(20_000);
    await expect(storage.putStream(chunked(big), 10_000)).rejects.toBeInstanceOf(TooLarge);
    const broken = new Readable({ read() {} });
    broken.push(randomBytes(5000));
    setTimeout(() => broken.destroy(new Error('client went away')), 20);
    await expect(storage.putStream(broken)).rejects.toThrow('client went away');
    expect(await storage.has(sha(big))).toBe(false);
    expect(await listed(storage)).toEqual(before);
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('adopts a spooled file: the scratch file is gone and the blob readable', async () => {
    const bytes = randomBytes(3000);
    const spooled = await storage.spool(chunked(bytes));
    expect(spooled.sha256).toBe(sha(bytes));
    await storage.adoptFile(spooled.file, spooled.sha256);
    expect(fs.existsSync(spooled.file)).toBe(false);
    expect((await drain(storage.read(spooled.sha256))).equals(bytes)).toBe(true);
  });

  it('reports itself healthy', async () => {
    expect(await storage.check()).toMatchObject({ ok: true, kind: storage.kind });
  });

  const objectKeys = async (prefix: string) => {
    const all: { key: string; bytes: number }[] = [];
    for await (const o of storage.listObjects(prefix)) all.push({ key: o.key, bytes: o.bytes });
    return all.sort((a, b) => a.key.localeCompare(b.key));
  };

  it('keeps named objects: put, replace, read whole and by range, list by prefix, delete', async () => {
    const bytes = randomBytes(30_000);
    expect(await storage.putObject('live/ch1/seg-00001.ts', chunked(bytes))).toEqual({ bytes: bytes.length });
    await storage.putObject('live/ch1/stream.m3u8', chunked(Buffer.from('#EXTM3U\nold\n')));
    await storage.putObject('live/ch1/stream.m3u8', chunked(Buffer.from('#EXTM3U\nnew\n')));
    await storage.putObject('live/ch10/seg-00001.ts', chunked(Buffer.from('other channel')));

    const whole = await storage.getObject('live/ch1/seg-00001.ts');
    expect(whole.size).toBe(bytes.length);
    expect((await drain(whole.body)).equals(bytes)).toBe(true);
    const part = await storage.getObject('live/ch1/seg-00001.ts', { start: 100, end: 1099 });
    expect(part.size).toBe(bytes.length);
    expect((await drain(part.body)).equals(bytes.subarray(100, 1100))).toBe(true);
    expect((await drain((await storage.getObject('live/ch1/stream.m3u8')).body)).toString()).toBe('#EXTM3U\nnew\n');
    expect(fs.readFileSync(await storage.objectFile('live/ch1/seg-00001.ts')).equals(bytes)).toBe(true);

    expect(await objectKeys('live/ch1/')).toEqual([
      { key: 'live/ch1/seg-00001.ts', bytes: bytes.length },
      { key: 'live/ch1/stream.m3u8', bytes: 12 }
    ]);
    expect((await objectKeys('live/')).map((o) => o.key)).toContain('live/ch10/seg-00001.ts');
    // Named objects are not blobs: the content-addressed listing (garbage collection's) never sees them.
    expect((await listed(storage)).map((b) => b.sha256)).not.toContain(sha(bytes));

    await storage.deleteObject('live/ch1/seg-00001.ts');
    await expect(storage.getObject('live/ch1/seg-00001.ts')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(storage.objectFile('live/ch1/seg-00001.ts')).rejects.toMatchObject({ code: 'ENOENT' });
    await storage.deleteObject('live/ch1/seg-00001.ts'); // deleting what is gone is no error
    expect(await storage.deleteObjects('live/')).toBe(2);
    expect(await objectKeys('live/')).toEqual([]);
  });

  it('keeps the old object when a replacement is too large or fails midway, and leaves no scratch file', async () => {
    await storage.putObject('recordings/ch2/rec-20260101-000000.m4a', chunked(Buffer.from('first')));
    await expect(storage.putObject('recordings/ch2/rec-20260101-000000.m4a', chunked(randomBytes(20_000)), 10_000)).rejects.toBeInstanceOf(TooLarge);
    const broken = new Readable({ read() {} });
    broken.push(randomBytes(5000));
    setTimeout(() => broken.destroy(new Error('worker went away')), 20);
    await expect(storage.putObject('recordings/ch2/rec-20260101-000000.m4a', broken)).rejects.toThrow('worker went away');
    expect((await drain((await storage.getObject('recordings/ch2/rec-20260101-000000.m4a')).body)).toString()).toBe('first');
    expect(await objectKeys('recordings/ch2/')).toEqual([{ key: 'recordings/ch2/rec-20260101-000000.m4a', bytes: 5 }]);
    expect(filesUnder(path.join(dir, 'tmp'))).toEqual([]);
    await storage.deleteObjects('recordings/');
  });

  it('deletes by prefix only what is older than asked', async () => {
    await storage.putObject('live/old/a.ts', chunked(Buffer.from('a')));
    const between = Date.now() + 1000;
    expect(await storage.deleteObjects('live/old/', between - 60_000)).toBe(0);
    expect(await storage.deleteObjects('live/old/', between)).toBe(1);
    expect(await objectKeys('live/old/')).toEqual([]);
  });

  it('moves a named object to its content address', async () => {
    const bytes = randomBytes(4000);
    await storage.putObject('uploads/0123456789abcdef0123456789abcdef', chunked(bytes));
    const copy = await storage.spool((await storage.getObject('uploads/0123456789abcdef0123456789abcdef')).body);
    expect(copy.sha256).toBe(sha(bytes));
    await storage.adoptObject('uploads/0123456789abcdef0123456789abcdef', copy.sha256, copy.file);
    expect(await objectKeys('uploads/')).toEqual([]);
    expect(fs.existsSync(copy.file)).toBe(false);
    expect((await drain(storage.read(copy.sha256))).equals(bytes)).toBe(true);
    expect(fs.readFileSync(await storage.localFile(copy.sha256)).equals(bytes)).toBe(true);
  });

  it('refuses keys that could leave the store', async () => {
    for (const bad of ['../etc/passwd', 'live/../../x', '/abs', 'live/.hidden', 'live//x', '']) {
      await expect(storage.putObject(bad, chunked(Buffer.from('x')))).rejects.toThrow(/not an object key/);
      await expect(storage.getObject(bad)).rejects.toThrow(/not an object key/);
    }
  });
});

describe('S3Storage on s3rver: keys, large objects, cache, failures', () => {
  it('keeps objects at <prefix>media/ab/cd/<sha256> in the bucket', async () => {
    const storage = new S3Storage(dataDir(), settings({ prefix: 'studio-a/' }));
    await storage.init();
    const blob = await storage.putStream(Readable.from([Buffer.from('where does it go')]));
    expect(await s3.keys('studio-a/')).toEqual([`studio-a/media/${blob.sha256.slice(0, 2)}/${blob.sha256.slice(2, 4)}/${blob.sha256}`]);
  });

  it('uploads a file larger than a part in parts, byte for byte', async () => {
    const storage = new S3Storage(dataDir(), settings({ prefix: 'parts/', partBytes: 100_000 }));
    await storage.init();
    const bytes = randomBytes(250_001);
    const blob = await storage.putStream(chunked(bytes, 65_536));
    expect(blob.sha256).toBe(sha(bytes));
    expect((await drain(storage.read(blob.sha256))).equals(bytes)).toBe(true);
    expect((await drain(storage.read(blob.sha256, { start: 99_990, end: 100_009 }))).equals(bytes.subarray(99_990, 100_010))).toBe(true);
  });

  it('keeps the local cache under its size, dropping the least recently used copy', async () => {
    const dir = dataDir();
    const storage = new S3Storage(dir, settings({ prefix: 'cache/', cacheBytes: 25_000 }));
    await storage.init();
    const a = await storage.putStream(Readable.from([randomBytes(10_000)]));
    const b = await storage.putStream(Readable.from([randomBytes(10_000)]));
    const c = await storage.putStream(Readable.from([randomBytes(10_000)]));
    const fileA = await storage.localFile(a.sha256);
    await storage.localFile(b.sha256);
    // a used again after b, so b is the oldest when c arrives.
    await new Promise((r) => setTimeout(r, 20));
    expect(await storage.localFile(a.sha256)).toBe(fileA);
    await storage.localFile(c.sha256);
    const cached = filesUnder(path.join(dir, 'cache', 's3')).map((f) => path.basename(f)).sort();
    expect(cached).toEqual([a.sha256, c.sha256].sort());
    // Nothing under DATA_DIR/media: the bucket is the store.
    expect(fs.existsSync(path.join(dir, 'media'))).toBe(false);
  });

  it('says in plain words when the bucket is missing or the server does not answer, and refuses to start', async () => {
    const missing = new S3Storage(dataDir(), settings({ bucket: 'no-such-bucket' }));
    expect(await missing.check()).toMatchObject({ ok: false, kind: 's3', error: expect.stringContaining('"no-such-bucket"') });
    expect((await missing.check()).error).toContain('does not exist');
    await expect(missing.init()).rejects.toThrow(/STORAGE=s3: the bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist/);
    const down = new S3Storage(dataDir(), settings({ endpoint: 'http://127.0.0.1:9' }));
    const state = await down.check();
    expect(state.ok).toBe(false);
    expect(state.error).toMatch(/does not answer/);
  });

  it('names every missing setting when STORAGE=s3 is incomplete, and takes the AWS_* names as fallbacks', () => {
    expect(() => loadConfig({ STORAGE: 's3', S3_BUCKET: 'media' })).toThrow(/STORAGE=s3 needs S3_REGION \(or AWS_REGION\), S3_ACCESS_KEY_ID \(or AWS_ACCESS_KEY_ID\), S3_SECRET_ACCESS_KEY/);
    const config = loadConfig({ STORAGE: 's3', S3_BUCKET: 'media', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', S3_PREFIX: 'studio', S3_FORCE_PATH_STYLE: 'true' });
    expect(config.storage).toMatchObject({ kind: 's3', bucket: 'media', region: 'eu-west-1', accessKeyId: 'k', prefix: 'studio/', forcePathStyle: true, endpoint: null });
    expect(loadConfig({}).storage).toEqual({ kind: 'local' });
  });
});

describe('the studio composed with STORAGE=s3 (s3rver)', () => {
  it('sweeps objects nothing uses from the bucket and keeps those an asset uses', async () => {
    const t = await createTestApp('sqlite', { ...s3.env, S3_PREFIX: 'gc', LOCAL_WORKERS: '0' });
    try {
      expect(t.app.storage.kind).toBe('s3');
      const owner = await makeUser(t.app, 's3gc');
      const project = await t.app.projects.create(owner, 'S3 GC');
      const used = await t.app.storage.putStream(Readable.from([Buffer.from('an original in the bucket')]));
      const orphan = await t.app.storage.putStream(Readable.from([Buffer.from('left by a failed job, in the bucket')]));
      const raw = t.app.db.kysely as unknown as Kysely<any>;
      await raw.insertInto('assets').values({ id: 's3gcasset', project_id: project.id, kind: 'audio', status: 'approved', sha256: used.sha256, bytes: used.bytes, mime: 'audio/mpeg', original_name: 'x', title: 'x', processing: 'ready', created_at: 1, updated_at: 1 }).execute();

      const r = await t.app.assets.collectGarbage(0);
      expect(r).toEqual({ removed: 1, bytes: orphan.bytes });
      expect(await s3.keys('gc/')).toEqual([`gc/media/${used.sha256.slice(0, 2)}/${used.sha256.slice(2, 4)}/${used.sha256}`]);
      expect(fs.existsSync(path.join(t.dataDir, 'media'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
