import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LISTING } from '$lib/editor/model/brief/listing';
import { ListingClipStore, LISTING_CLIP_PREFIX } from '$lib/server/listing/listing-clip-store';
import type { BlobStorage } from '$lib/server/storage/storage';
import { mediaRoutes } from '$lib/server/studio-server';
import { ClipCache, httpClipStore, settingsHash } from '../../workers/listing/clip-cache';
import { renderListing, type RenderListingOptions } from '../../workers/listing/listing-render';
import { createTestApp, type TestApp } from '../helpers/app';
import { ffmpeg, ffprobe, tempDir } from '../helpers/media';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';

// The listing clip cache end to end: the worker's render code, the web process's real media routes
// (GET/PUT /api/worker/clips/:key) over a real socket, the studio's storage on disk and in an S3-compatible bucket.
let s3: RunningS3;
let dir: string;
let photos: string[];

beforeAll(async () => {
  s3 = await startS3rver();
  dir = await tempDir('airstudio-listing-clips');
  photos = [];
  for (let i = 0; i < 2; i++) {
    photos.push(path.join(dir, `photo-${i}.jpg`));
    await ffmpeg('-f', 'lavfi', '-i', `color=c=${i ? '0xd8c8a0' : '0x30405a'}:s=1600x1067,drawgrid=w=100:h=100:t=3:c=white@0.5`, '-frames:v', '1', '-q:v', '3', photos[i]!);
  }
}, 120_000);
afterAll(async () => {
  await s3?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const drain = async (r: Readable) => {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
};
/** The pieces stored (not the marks of their use). */
const keys = async (storage: BlobStorage) => {
  const all: string[] = [];
  for await (const o of storage.listObjects(LISTING_CLIP_PREFIX)) if (o.key.endsWith('.mp4')) all.push(o.key);
  return all.sort();
};
/** Whether the store has the piece (reading it marks it used). */
const has = async (store: ListingClipStore, key: string) => {
  const found = await store.get(key);
  found?.body.destroy();
  return found !== null;
};

describe.each([
  ['local storage', () => ({})],
  ['S3 storage (s3rver)', () => ({ ...s3.env, S3_PREFIX: `run-${Date.now().toString(36)}/` })]
] as const)('listing clip cache on %s', (_name, env) => {
  let t: TestApp;
  let server: http.Server;
  let base: string;
  let token: string;
  const request = (pathname: string, init: RequestInit = {}) => fetch(new URL(pathname, base), { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    t = await createTestApp('sqlite', env());
    const routes = mediaRoutes(t.app);
    server = http.createServer((req, res) => {
      if (!routes(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ token } = await t.app.workerTokens.create(null, 'listing test worker'));
  }, 60_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('a worker with an empty clip folder takes every piece another worker rendered from the shared store', async () => {
    const options = (cacheDir: string, work: string): RenderListingOptions => ({
      photos: photos.map((file) => ({ file, staged: false, focus: null })),
      music: null,
      listing: { ...DEFAULT_LISTING, address: '12 Elm Street' },
      variants: [{ aspect: '1:1', branded: false }],
      logo: null,
      originalsUrl: null,
      photoSeconds: 1,
      workDir: path.join(dir, `${_name}-${work}`),
      cacheDir,
      sharedCache: httpClipStore(request)
    });
    const first = await renderListing(options(path.join(dir, `${_name}-cache-a`), 'a'));
    const pieces = first.cache.sharedPuts;
    // Title, two photos, end card and the three crossfades between them, and the sound track.
    expect(pieces).toBe(8);
    expect(first.renderedClips).toBe(2);
    expect(first.cache.sharedErrors).toEqual([]);
    expect(await keys(t.app.storage)).toHaveLength(pieces);

    // Another machine: its own empty folder, the same studio.
    const second = await renderListing(options(path.join(dir, `${_name}-cache-b`), 'b'));
    expect(second.cache).toMatchObject({ localHits: 0, sharedHits: pieces, sharedPuts: 0, sharedErrors: [] });
    expect(second.renderedClips).toBe(0);
    expect(second.cachedClips).toBe(2);
    const a = await ffprobe(first.outputs[0]!.file);
    const b = await ffprobe(second.outputs[0]!.file);
    expect(b.streams.find((s) => s.codec_type === 'video')!.nb_frames).toBe(a.streams.find((s) => s.codec_type === 'video')!.nb_frames);

    // Its folder now holds them: the next render does not ask the studio.
    const third = await renderListing(options(path.join(dir, `${_name}-cache-b`), 'c'));
    expect(third.cache).toMatchObject({ localHits: pieces, sharedHits: 0 });
  }, 300_000);

  it('refuses bad clip requests with clear errors and keeps serving', async () => {
    const key = settingsHash({ nothing: 'stored' });
    const missing = await request(`/api/worker/clips/${key}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const badKey = await request('/api/worker/clips/..%2Fmedia');
    expect(badKey.status).toBe(400);
    expect(((await badKey.json()) as { error: { message: string } }).error.message).toMatch(/32 lowercase hex/);
    const anonymous = await fetch(`${base}/api/worker/clips/${key}`);
    expect(anonymous.status).toBe(401);
    const post = await request(`/api/worker/clips/${key}`, { method: 'POST' });
    expect(post.status).toBe(405);
    const put = await request(`/api/worker/clips/${key}`, { method: 'PUT', body: 'piece', headers: { 'content-type': 'video/mp4' } });
    expect(put.status).toBe(201);
    expect(await (await request(`/api/worker/clips/${key}`)).text()).toBe('piece');
  });

  it('sweeps the pieces not used for the retention period and keeps the ones read since', async () => {
    const storage = t.app.storage;
    const day = 24 * 3600_000;
    const store = new ListingClipStore(storage, { retentionMs: 7 * day, touchEveryMs: 0, sweepEveryMs: Infinity });
    const used = settingsHash({ piece: 'used' });
    const stale = settingsHash({ piece: 'stale' });
    await store.put(used, Readable.from([Buffer.from('used piece')]));
    await store.put(stale, Readable.from([Buffer.from('stale piece')]));
    const written = Date.now();
    // A bucket keeps change times to the second: the read comes more than a second after both writes.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await drain((await store.get(used))!.body)).toString()).toBe('used piece');
    // Seven days after the writes and a second: the piece read since is within the period, the other is not.
    expect(await store.sweep(written + 1000 + 7 * day)).toBeGreaterThanOrEqual(1);
    expect(await has(store, stale)).toBe(false);
    expect((await drain((await store.get(used))!.body)).toString()).toBe('used piece');
    expect(await keys(storage)).toContain(store.objectKey(used));
    expect(await keys(storage)).not.toContain(store.objectKey(stale));
  }, 30_000);

  it('sweeps after a write once the sweep interval has passed', async () => {
    const store = new ListingClipStore(t.app.storage, { retentionMs: 1000, sweepEveryMs: 0, touchEveryMs: Infinity });
    const old = settingsHash({ piece: 'old' });
    await store.put(old, Readable.from([Buffer.from('old piece')]));
    await new Promise((r) => setTimeout(r, 2100));
    const fresh = settingsHash({ piece: 'fresh' });
    await store.put(fresh, Readable.from([Buffer.from('fresh piece')]));
    await vi.waitFor(async () => expect(await has(store, old)).toBe(false), { timeout: 20_000, interval: 200 });
    expect(await keys(t.app.storage)).toContain(store.objectKey(fresh));
  }, 30_000);
});

describe('the worker’s clip folder', () => {
  it('drops the least recently used pieces past its size limit, never one the render at hand uses', async () => {
    const folder = await tempDir('airstudio-clip-lru');
    const piece = async (cache: ClipCache, key: string) => {
      const { temp, commit } = await cache.reserve(key);
      fs.writeFileSync(temp, Buffer.alloc(1000, key.charCodeAt(0)));
      return cache.add(key, temp, commit);
    };
    const [a, b, c] = ['a', 'b', 'c'].map((k) => settingsHash({ k }));
    const earlier = new ClipCache(folder, 2500);
    await piece(earlier, a!);
    await piece(earlier, b!);
    // A later render reads A (now the most recently used) and adds C: the folder is over 2500 bytes, B goes.
    const later = new ClipCache(folder, 2500);
    expect(await later.get(a!)).toBe(later.file(a!));
    await piece(later, c!);
    expect(fs.existsSync(later.file(a!))).toBe(true);
    expect(fs.existsSync(later.file(b!))).toBe(false);
    expect(fs.existsSync(later.file(c!))).toBe(true);
    // A render that needs more than the limit keeps all it uses until it is done.
    const big = new ClipCache(folder, 1500);
    const [d, e] = ['d', 'e'].map((k) => settingsHash({ k }));
    await piece(big, d!);
    await piece(big, e!);
    expect(fs.existsSync(big.file(d!)) && fs.existsSync(big.file(e!))).toBe(true);
    expect(fs.existsSync(big.file(a!)) || fs.existsSync(big.file(c!))).toBe(false);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
