/**
 * The built studio with STORAGE=s3 against s3rver (a real S3-compatible server from npm, run by this test): an upload
 * over tus lands in the bucket, a local worker processes it, the asset and its variants play by Range, deletion
 * empties the bucket, and nothing is written under DATA_DIR/media. A bucket that does not answer stops the start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { api, createTeam, expectApiError, statusOfGet, type Team } from '../helpers/api';
import { filesUnder, sha256, tempDir, writeTone } from '../helpers/media';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';
import { startServer, type RunningServer } from '../helpers/server';
import { tusCreate, tusPatch } from '../helpers/tus';

let s3: RunningS3;
let server: RunningServer;
let team: Team;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('s3-app-test');
  s3 = await startS3rver();
  [server] = await Promise.all([startServer({ env: { ...s3.env, LOCAL_WORKERS: '1' } }), writeTone(path.join(dir, 'tone.mp3'), { seconds: 2 })]);
  team = await createTeam(server, 'S3');
}, 120_000);

afterAll(async () => {
  await server?.destroy();
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const keyOf = (sha: string) => `media/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;

async function whenProcessed(id: string): Promise<AssetJson> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const asset = (await api<AssetJson>(server, 'GET', `/api/assets/${id}`, { token: team.owner.token })).body;
    if (asset.processing.state === 'ready' || asset.processing.state === 'failed') return asset;
    if (Date.now() > deadline) throw new Error(`asset ${id} still ${asset.processing.state} after 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('studio on S3 storage (s3rver)', () => {
  it('reports the bucket in /health', async () => {
    const health = await api(server, 'GET', '/health');
    expect(health.body.storage).toEqual({ ok: true, kind: 's3' });
  });

  it('stores a tus upload in the bucket, processes it with a worker, plays it by Range, and deletes it from the bucket', async () => {
    const data = fs.readFileSync(path.join(dir, 'tone.mp3'));
    const create = await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId, filename: 'tone.mp3' });
    expect(create.status).toBe(201);
    const done = await tusPatch(create.location!, team.owner.token, 0, data);
    expect(done.status).toBe(200);
    const uploaded = done.json as AssetJson;
    expect(uploaded).toMatchObject({ sha256: sha256(data), bytes: data.length, kind: 'audio' });
    expect(await s3.keys()).toContain(keyOf(uploaded.sha256));

    const asset = await whenProcessed(uploaded.id);
    expect(asset.processing).toMatchObject({ state: 'ready', error: null });
    const broadcast = asset.variants.find((v) => v.name === 'broadcast');
    expect(broadcast, JSON.stringify(asset.variants)).toBeDefined();
    // The worker's results went through the web process into the bucket too.
    const keys = await s3.keys();
    for (const v of asset.variants) expect(keys).toContain(keyOf(v.sha256));

    const ranged = await fetch(server.url + asset.url, { headers: { range: 'bytes=100-1099' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-1099/${data.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(100, 1100))).toBe(true);
    expect(ranged.headers.get('etag')).toBe(`"${asset.sha256}"`);
    expect(ranged.headers.get('content-type')).toBe('audio/mpeg');
    const tail = await fetch(server.url + asset.url, { headers: { range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(data.length - 10))).toBe(true);
    const whole = await fetch(server.url + asset.url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    // An If-Range that no longer matches gets the whole file; HEAD the size; a known hash 304.
    expect((await fetch(server.url + asset.url, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } })).status).toBe(200);
    const head = await fetch(server.url + asset.url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(data.length)]);
    expect(await statusOfGet(server, asset.url, { 'if-none-match': `"${asset.sha256}"` })).toBe(304);
    expect(await statusOfGet(server, asset.url, { 'if-none-match': `"${'0'.repeat(64)}"` })).toBe(200);
    const variant = await fetch(server.url + broadcast!.url, { headers: { range: 'bytes=0-15' } });
    expect(variant.status).toBe(206);
    expect((await variant.arrayBuffer()).byteLength).toBe(16);

    // A range past the end is refused in JSON, and the server keeps serving.
    const beyond = await fetch(server.url + asset.url, { headers: { range: `bytes=${data.length + 10}-${data.length + 20}` } });
    expect(beyond.status).toBe(416);
    expect((await beyond.json()).error.code).toBe('bad_range');
    expect((await fetch(server.url + asset.url)).status).toBe(200);

    // Players and workers are served straight from the bucket: DATA_DIR/media is never written, nothing is cached.
    expect(fs.existsSync(path.join(server.dataDir, 'media'))).toBe(false);
    expect(filesUnder(path.join(server.dataDir, 'cache', 's3'))).toEqual([]);
    expect(filesUnder(path.join(server.dataDir, 'tmp'))).toEqual([]);

    // An object gone from the bucket behind the studio's back: a 404 in the API's shape, and the rest still plays.
    await s3.remove(keyOf(broadcast!.sha256));
    expectApiError(await api(server, 'GET', broadcast!.url, { headers: { range: 'bytes=0-15' } }), 404, 'not_found');
    expect((await fetch(server.url + asset.url, { headers: { range: 'bytes=0-0' } })).status).toBe(206);

    const del = await api(server, 'DELETE', `/api/assets/${asset.id}`, { token: team.owner.token });
    expect(del.status).toBeLessThan(300);
    const after = await s3.keys();
    expect(after).not.toContain(keyOf(asset.sha256));
    for (const v of asset.variants) expect(after).not.toContain(keyOf(v.sha256));
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}`, { token: team.owner.token }), 404);
  }, 180_000);

  it('refuses to start, saying why, when the bucket does not exist or a setting is missing', async () => {
    await expect(startServer({ dataDir: path.join(dir, 'no-bucket'), env: { ...s3.env, S3_BUCKET: 'not-made-yet' } })).rejects.toThrow(/airstudio could not start: STORAGE=s3: the bucket "not-made-yet" at http:\/\/127\.0\.0\.1:\d+ does not exist/);
    await expect(startServer({ dataDir: path.join(dir, 'no-setting'), env: { ...s3.env, S3_BUCKET: '' } })).rejects.toThrow(/STORAGE=s3 needs S3_BUCKET/);
  }, 60_000);
});
