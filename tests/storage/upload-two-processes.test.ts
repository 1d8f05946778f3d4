/**
 * tus uploads across two web processes (each its own DATA_DIR) sharing one PostgreSQL database and one S3 bucket
 * (s3rver), as behind a load balancer with no sticky sessions: the POST lands on A, the PATCH chunks alternate
 * between A and B, and the asset then plays from both. Refusals are the same clear 4xx on either process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { api, createTeam, expectApiError, type ApiResult, type Team } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { filesUnder, sha256, tempDir, writeCut, writeNoisyMp4 } from '../helpers/media';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';
import { startServer, type RunningServer } from '../helpers/server';
import { tusCreate, tusHead, tusPatch, TUS_VERSION, type TusAnswer } from '../helpers/tus';

const MB = 1024 * 1024;
/** Smaller than S3Store's 5 MiB minimum part: most chunks wait in the bucket as an incomplete part for the next PATCH. */
const CHUNK = 3 * MB;

let s3: RunningS3;
let database: TestDatabase;
let a: RunningServer;
let b: RunningServer;
let team: Team;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('upload-two-processes');
  s3 = await startS3rver();
  database = await createTestDatabase('postgres');
  // Uploads up to 20 MB, so the oversized case is cheap to send.
  const env = { ...s3.env, MEDIA_MAX_AUDIO_MB: '20', MEDIA_MAX_VIDEO_MB: '20', MEDIA_MAX_IMAGE_MB: '20' };
  // A first, alone: it applies the migrations B then finds done.
  a = await startServer({ databaseUrl: database.url, env });
  [b] = await Promise.all([
    startServer({ databaseUrl: database.url, env }),
    // ~13 MB: two S3 parts (8 MiB and the rest), sent in five chunks.
    writeNoisyMp4(path.join(dir, 'big.mp4'), { megabytes: 13, frequency: 440 }),
    writeNoisyMp4(path.join(dir, 'small.mp4'), { megabytes: 3, frequency: 660 })
  ]);
  await writeCut(path.join(dir, 'small.mp4'), path.join(dir, 'cut.mp4'), 0.6);
  team = await createTeam(a, 'Two processes');
}, 180_000);

afterAll(async () => {
  await a?.destroy();
  await b?.destroy();
  await database?.drop();
  await s3?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The upload's URL on the other process: same path, other host. */
const on = (server: RunningServer, uploadUrl: string) => `${server.url}${new URL(uploadUrl).pathname}`;
const asApi = (t: TusAnswer): ApiResult => ({ status: t.status, body: t.json ?? t.text, headers: t.headers });
const bucketUploads = () => s3.keys('uploads/');
/** s3rver's own record of multipart uploads still open. */
const openMultipart = () => {
  const d = path.join(s3.directory, s3.bucket, '._S3rver_uploads');
  return fs.existsSync(d) ? fs.readdirSync(d) : [];
};

/** POST to A, then PATCH chunk by chunk, alternating B, A, B…; the final answer. */
async function alternatingUpload(data: Buffer, filename: string): Promise<{ location: string; final: TusAnswer; servedBy: string[] }> {
  const create = await tusCreate(a, team.editor.token, data.length, { projectId: team.projectId, filename });
  expect(create.status, create.text).toBe(201);
  const location = create.location!;
  const servedBy: string[] = [];
  let final: TusAnswer | null = null;
  for (let offset = 0, i = 0; offset < data.length; offset += CHUNK, i++) {
    const server = i % 2 === 0 ? b : a;
    // The other process reports where the last one left off: the offset lives in the bucket.
    const head = await tusHead(on(server, location), team.editor.token);
    expect(head.status).toBe(200);
    expect(head.offset).toBe(offset);
    final = await tusPatch(on(server, location), team.editor.token, offset, data.subarray(offset, offset + CHUNK));
    servedBy.push(server === a ? 'A' : 'B');
    if (offset + CHUNK < data.length) expect(final.status, final.text).toBe(204);
  }
  return { location, final: final!, servedBy };
}

describe('tus uploads through two web processes sharing a bucket', () => {
  it('an upload started on A and continued on A and B in turn becomes one asset, playable from both by Range', async () => {
    const data = fs.readFileSync(path.join(dir, 'big.mp4'));
    const { location, final, servedBy } = await alternatingUpload(data, 'big.mp4');
    expect(servedBy).toEqual(['B', 'A', 'B', 'A', 'B']);
    expect(final.status, final.text).toBe(200);
    const asset = final.json as AssetJson;
    expect(asset).toMatchObject({ sha256: sha256(data), bytes: data.length, kind: 'video', duplicate: false });

    // The content went to its address in the bucket; the upload's objects and multipart state are gone.
    const sha = asset.sha256;
    expect(await s3.keys('media/')).toContain(`media/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`);
    expect(await bucketUploads()).toEqual([]);
    expect(openMultipart()).toEqual([]);
    // Neither process kept the bytes in its own DATA_DIR (beyond its read cache).
    for (const s of [a, b]) {
      expect(filesUnder(path.join(s.dataDir, 'uploads'))).toEqual([]);
      expect(filesUnder(path.join(s.dataDir, 'media'))).toEqual([]);
      expect(filesUnder(path.join(s.dataDir, 'tmp'))).toEqual([]);
    }
    expect((await tusHead(on(a, location), team.editor.token)).status).toBe(404);

    for (const s of [a, b]) {
      const listed = await api<AssetJson>(s, 'GET', `/api/assets/${asset.id}`, { token: team.viewer.token });
      expect(listed.status).toBe(200);
      const whole = await fetch(s.url + listed.body.url);
      expect(whole.status).toBe(200);
      expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha);
      const ranged = await fetch(s.url + listed.body.url, { headers: { range: 'bytes=9000000-9000999' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 9000000-9000999/${data.length}`);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(data.subarray(9_000_000, 9_001_000))).toBe(true);
    }
  });

  it('the same content again through B answers the existing asset and leaves nothing in the bucket', async () => {
    const data = fs.readFileSync(path.join(dir, 'big.mp4'));
    const create = await tusCreate(b, team.editor.token, data.length, { projectId: team.projectId, filename: 'again.mp4' });
    expect(create.status).toBe(201);
    const done = await tusPatch(on(a, create.location!), team.editor.token, 0, data);
    expect(done.status, done.text).toBe(200);
    expect(done.json).toMatchObject({ sha256: sha256(data), duplicate: true });
    expect(await bucketUploads()).toEqual([]);
    expect(openMultipart()).toEqual([]);
  });

  it('an oversized upload is refused alike by both processes with a clear 413', async () => {
    const answers = await Promise.all([a, b].map((s) => tusCreate(s, team.editor.token, 21 * MB, { projectId: team.projectId, filename: 'huge.mp4' })));
    for (const r of answers) {
      expectApiError(asApi(r), 413);
      expect(r.location).toBeNull();
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
    }
    expect(answers[1].json).toEqual(answers[0].json);
    expect(await bucketUploads()).toEqual([]);
  });

  it('a truncated file is refused with the same 422 as on one process, wherever its last chunk lands, and leaves nothing', async () => {
    const data = fs.readFileSync(path.join(dir, 'cut.mp4'));
    const assetsBefore = (await api(a, 'GET', `/api/projects/${team.projectId}/assets?limit=1`, { token: team.owner.token })).body.total;
    const create = await tusCreate(a, team.editor.token, data.length, { projectId: team.projectId, filename: 'clip.mp4' });
    expect(create.status).toBe(201);
    const half = Math.floor(data.length / 2);
    expect((await tusPatch(on(a, create.location!), team.editor.token, 0, data.subarray(0, half))).status).toBe(204);
    const final = await tusPatch(on(b, create.location!), team.editor.token, half, data.subarray(half));
    expectApiError(asApi(final), 422, 'undecodable');
    expect(final.json.error.message).toMatch(/MP4/);
    expect(await bucketUploads()).toEqual([]);
    expect(openMultipart()).toEqual([]);
    expect((await api(b, 'GET', `/api/projects/${team.projectId}/assets?limit=1`, { token: team.owner.token })).body.total).toBe(assetsBefore);
  });

  it('an upload abandoned part way and deleted through the other process aborts its multipart upload in the bucket', async () => {
    const data = fs.readFileSync(path.join(dir, 'big.mp4'));
    const create = await tusCreate(a, team.editor.token, data.length, { projectId: team.projectId, filename: 'abandoned.mp4' });
    expect(create.status).toBe(201);
    // Past one whole part (8 MiB), so a real S3 part and an incomplete part are both in the bucket.
    const sent = 9 * MB;
    expect((await tusPatch(on(a, create.location!), team.editor.token, 0, data.subarray(0, sent))).status).toBe(204);
    expect((await tusHead(on(b, create.location!), team.editor.token)).offset).toBe(sent);
    expect(openMultipart()).toHaveLength(1);
    // Someone else cannot delete it; its owner can, from either process.
    expect((await fetch(on(b, create.location!), { method: 'DELETE', headers: { 'tus-resumable': TUS_VERSION, authorization: `Bearer ${team.viewer.token}` } })).status).toBe(404);
    const del = await fetch(on(b, create.location!), { method: 'DELETE', headers: { 'tus-resumable': TUS_VERSION, authorization: `Bearer ${team.editor.token}` } });
    expect(del.status).toBe(204);
    expect(openMultipart()).toEqual([]);
    expect(await bucketUploads()).toEqual([]);
    expect((await tusHead(on(a, create.location!), team.editor.token)).status).toBe(404);
  });

  it('an upload URL that is not one of ours is a 404 on either process, and both keep serving', async () => {
    for (const s of [a, b]) {
      for (const id of ['..%2F..%2Fmedia', 'not-an-upload', '0123456789abcdef0123456789abcdef']) {
        const r = await tusHead(`${s.url}/api/uploads/${id}`, team.editor.token);
        expect(r.status).toBe(404);
      }
      expect((await api(s, 'GET', '/health')).body.status).toBe('ok');
    }
  });
});
