/**
 * Uploads into the media library over real HTTP: tus 1.0 at /api/uploads (raw requests, connections cut mid-body,
 * a server restart between parts, and tus-js-client, the studio's own client) and multipart at
 * POST /api/projects/:id/assets. Bad files and garbage requests must be refused with JSON errors, leaving nothing
 * behind in DATA_DIR.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, api, createProject, createTeam, expectApiError, type ApiResult, type Team } from '../helpers/api';
import { ffmpeg, filesUnder, h264, picture, sha256, sine, tempDir, writeBombPng, writeCut, writeNoisyMp4, writeTone } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { tusCreate, tusHead, tusJsUpload, tusPatch, tusPatchInterrupted, tusResume, tusSettledOffset, type TusAnswer } from '../helpers/tus';

const SHA_PATH = /^[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

let server: RunningServer;
let team: Team;
let dir: string;
const fx = (name: string) => path.join(dir, name);
const read = (name: string) => readFile(fx(name));

beforeAll(async () => {
  dir = await tempDir('uploads-test');
  const [s] = await Promise.all([
    startServer(),
    writeNoisyMp4(fx('big.mp4'), { frequency: 330 }),
    writeNoisyMp4(fx('big-b.mp4'), { frequency: 550 }),
    ffmpeg(...picture(5), ...sine(5), ...h264, '-c:a', 'aac', '-t', '5', fx('clip.mp4')),
    // 2 minutes of 16-bit stereo PCM: ~21 MB, past two of the hashing store's 8 MiB checkpoints.
    ffmpeg(...sine(120, 250), '-ac', '2', '-c:a', 'pcm_s16le', fx('long.wav')),
    writeBombPng(fx('bomb.png')),
    writeFile(fx('song.mp3'), 'Not a song, just the lyrics typed out.\n'.repeat(40)),
    ...[300, 310, 320, 330, 340, 350, 360, 370].map((frequency) => writeTone(fx(`tone-${frequency}.mp3`), { frequency }))
  ]);
  server = s;
  await writeCut(fx('clip.mp4'), fx('clip-cut.mp4'), 0.6);
  team = await createTeam(server, 'Uploads');
}, 120_000);

afterAll(async () => {
  await server?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---- helpers ----------------------------------------------------------------------------------

/** POST /api/projects/:id/assets as multipart/form-data (fetch's FormData encoder). */
async function multipart(token: string | undefined, projectId: string, file: { name: string; data: Buffer } | null, fields: Record<string, string> = {}): Promise<ApiResult> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.data as Uint8Array<ArrayBuffer>]), file.name);
  return rawPost(token, projectId, form);
}

async function rawPost(token: string | undefined, projectId: string, body: FormData | string | Buffer, contentType?: string): Promise<ApiResult> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (contentType) headers['content-type'] = contentType;
  return answerOf(await fetch(`${server.url}/api/projects/${projectId}/assets`, { method: 'POST', headers, body: body as FormData | string | Uint8Array<ArrayBuffer> }));
}

const asApi = (a: TusAnswer): ApiResult => ({ status: a.status, body: a.json ?? a.text, headers: a.headers });
const uploadId = (uploadUrl: string) => uploadUrl.split('/').pop()!;
const dataDir = (...p: string[]) => path.join(server.dataDir, ...p);

async function assetTotal(projectId = team.projectId): Promise<number> {
  const r = await api(server, 'GET', `/api/projects/${projectId}/assets?limit=1`, { token: team.owner.token });
  expect(r.status).toBe(200);
  return r.body.total;
}

interface Snapshot {
  media: string[];
  uploads: string[];
  total: number;
}

async function snapshot(): Promise<Snapshot> {
  return { media: filesUnder(dataDir('media')), uploads: filesUnder(dataDir('uploads')), total: await assetTotal() };
}

/** After a refusal: no new stored files, an empty scratch folder, no data left for the upload, same library, a live server. */
async function expectNothingLeft(before: Snapshot, uploadUrl?: string | null): Promise<void> {
  expect(filesUnder(dataDir('media'))).toEqual(before.media);
  // Scratch files of a refused multipart body may be removed just after the answer (see the malformed-body test).
  await settle(() => filesUnder(dataDir('tmp')).length === 0);
  expect(filesUnder(dataDir('tmp'))).toEqual([]);
  const uploads = filesUnder(dataDir('uploads'));
  expect(uploads.filter((f) => !before.uploads.includes(f))).toEqual([]);
  if (uploadUrl) {
    expect(uploads).not.toContain(uploadId(uploadUrl));
    expect(uploads).not.toContain(`${uploadId(uploadUrl)}.json`);
  }
  expect(await assetTotal()).toBe(before.total);
  const health = await api(server, 'GET', '/health');
  expect(health.status).toBe(200);
  expect(health.body.status).toBe('ok');
}

/** The whole file with one PATCH after the POST; the final answer (or the POST's, when it already decided). */
async function tusUpload(token: string, data: Buffer, meta: Record<string, string>): Promise<{ create: TusAnswer & { location: string | null }; final: TusAnswer }> {
  const create = await tusCreate(server, token, data.length, meta);
  if (create.status !== 201 || !create.location || data.length === 0) return { create, final: create };
  return { create, final: await tusPatch(create.location, token, 0, data) };
}

/** Waits (up to `ms`) for a condition the server reaches on its own, e.g. cleaning up after a dropped client. */
async function settle(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Runs a test that may make the server leak scratch files, then removes whatever it leaked, so one known leak
 * fails only its own test rather than every later test that checks DATA_DIR/tmp is empty.
 */
async function isolatingTmpLeaks(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    for (const f of filesUnder(dataDir('tmp'))) fs.rmSync(dataDir('tmp', f), { force: true });
  }
}

// ---- tus ---------------------------------------------------------------------------------------

describe('tus uploads, raw HTTP', () => {
  it('a PATCH cut off mid-body is resumed from the offset HEAD reports; the asset has the file’s real SHA-256', async () => {
    const data = await read('big.mp4');
    expect(data.length).toBeGreaterThan(2_500_000);
    const before = await snapshot();

    const create = await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId, filename: 'big.mp4' });
    expect(create.status).toBe(201);
    expect(create.headers.get('tus-resumable')).toBe('1.0.0');
    expect(create.location).toMatch(new RegExp(`^${server.url}/api/uploads/[A-Za-z0-9_-]+$`));
    const url = create.location!;
    const fresh = await tusHead(url, team.owner.token);
    expect(fresh).toMatchObject({ status: 200, offset: 0, length: data.length });

    // PATCH the first 40 %, but the connection breaks after 60 % of that body.
    const chunk = data.subarray(0, Math.floor(data.length * 0.4));
    const sent = Math.floor(chunk.length * 0.6);
    await tusPatchInterrupted(url, team.owner.token, 0, chunk, sent);
    const head = await tusHead(url, team.owner.token);
    expect(head.status).toBe(200);
    expect(head.offset).not.toBeNull();
    expect(head.offset!).toBeLessThanOrEqual(sent);
    const offset = await tusSettledOffset(url, team.owner.token);
    expect(offset).toBeLessThanOrEqual(sent);
    // What the server kept is exactly the start of the file.
    const partial = fs.readFileSync(dataDir('uploads', uploadId(url)));
    expect(partial.length).toBe(offset);
    expect(partial.equals(data.subarray(0, offset))).toBe(true);

    const { from, final } = await tusResume(url, team.owner.token, data);
    expect(from).toBe(offset);
    expect(final.status).toBe(200);
    expect(final.headers.get('content-type')).toMatch(/^application\/json/);
    expect(final.headers.get('upload-offset')).toBe(String(data.length));
    const asset = final.json;
    expect(asset).toMatchObject({
      sha256: sha256(data),
      bytes: data.length,
      kind: 'video',
      mime: 'video/mp4',
      projectId: team.projectId,
      originalName: 'big.mp4',
      status: 'approved',
      duplicate: false
    });
    expect(asset.processing.state).toBe('queued');

    // Stored once, named by its hash; the upload's own files are gone.
    const stored = dataDir('media', asset.sha256.slice(0, 2), asset.sha256.slice(2, 4), asset.sha256);
    expect(fs.readFileSync(stored).equals(data)).toBe(true);
    expect(filesUnder(dataDir('uploads')).filter((f) => f.startsWith(uploadId(url)))).toEqual([]);
    expect(filesUnder(dataDir('tmp'))).toEqual([]);
    expect((await tusHead(url, team.owner.token)).status).toBe(404);
    expect(await assetTotal()).toBe(before.total + 1);

    // And it downloads back byte for byte through its signed URL.
    const download = await fetch(server.url + asset.url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
  });

  it('two interruptions in a row, and wrong offsets in between, still give the right hash', async () => {
    const data = await read('big-b.mp4');
    const create = await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId, filename: 'big-b.mp4' });
    expect(create.status).toBe(201);
    const url = create.location!;

    await tusPatchInterrupted(url, team.owner.token, 0, data.subarray(0, Math.floor(data.length * 0.5)), Math.floor(data.length * 0.25));
    const first = await tusSettledOffset(url, team.owner.token);
    expect(first).toBeLessThanOrEqual(Math.floor(data.length * 0.25));

    // A client that lost track: ahead of or behind the server is a conflict, and changes nothing.
    for (const wrong of [first + 1, first + 4096, first > 0 ? first - 1 : data.length - 1]) {
      const r = await tusPatch(url, team.owner.token, wrong, data.subarray(wrong, Math.min(data.length, wrong + 65536)));
      expectApiError(asApi(r), 409, 'offset_mismatch');
    }
    expect((await tusHead(url, team.owner.token)).offset).toBe(first);

    const secondChunk = data.subarray(first, Math.floor(data.length * 0.9));
    const secondSent = Math.floor(data.length * 0.35);
    await tusPatchInterrupted(url, team.owner.token, first, secondChunk, secondSent);
    const second = await tusSettledOffset(url, team.owner.token);
    expect(second).toBeGreaterThanOrEqual(first);
    expect(second).toBeLessThanOrEqual(first + secondSent);
    expect(fs.readFileSync(dataDir('uploads', uploadId(url))).equals(data.subarray(0, second))).toBe(true);

    const { final } = await tusResume(url, team.owner.token, data);
    expect(final.status).toBe(200);
    expect(final.json).toMatchObject({ sha256: sha256(data), bytes: data.length, kind: 'video', duplicate: false });
  });

  it('resumes after the server restarts (hash state lost): the part on disk is read back, 21 MB across 8 MiB checkpoints', async () => {
    const data = await read('long.wav');
    expect(data.length).toBeGreaterThan(20 * 1024 * 1024);
    const create = await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId, filename: 'long.wav' });
    expect(create.status).toBe(201);
    const url = create.location!;
    const MiB = 1024 * 1024;

    await tusPatchInterrupted(url, team.owner.token, 0, data.subarray(0, 12 * MiB), Math.floor(9.5 * MiB));
    const first = await tusSettledOffset(url, team.owner.token);
    expect(first).toBeLessThanOrEqual(9.5 * MiB);

    await server.stop();
    server = await server.restart();
    expect((await tusHead(url, team.owner.token)).offset).toBe(first);

    await tusPatchInterrupted(url, team.owner.token, first, data.subarray(first, 19 * MiB), 17 * MiB - first);
    const second = await tusSettledOffset(url, team.owner.token);
    expect(second).toBeGreaterThanOrEqual(first);

    const { final } = await tusResume(url, team.owner.token, data);
    expect(final.status).toBe(200);
    expect(final.json).toMatchObject({ sha256: sha256(data), bytes: data.length, kind: 'audio', mime: 'audio/wav' });
    expect(final.json.duration).toBeCloseTo(120, 0);
  });
});

describe('tus-js-client (the studio’s client) in Node', () => {
  it('uploads, is aborted part way, and a second client resumes from the upload URL', async () => {
    const data = await read('big.mp4');
    const projectB = await createProject(server, team.owner, 'Uploads B');
    const result = await tusJsUpload(server, team.owner.token, data, { projectId: projectB, filename: 'big.mp4' }, { chunkSize: 256 * 1024, pauseAt: 0.4 });
    expect(result.pausedAt).not.toBeNull();
    expect(result.pausedAt!).toBeGreaterThanOrEqual(data.length * 0.4);
    expect(result.pausedAt!).toBeLessThan(data.length);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ sha256: sha256(data), bytes: data.length, kind: 'video', projectId: projectB, originalName: 'big.mp4', duplicate: false });
    expect(filesUnder(dataDir('uploads')).filter((f) => f.startsWith(uploadId(result.uploadUrl)))).toEqual([]);
  });

  it('a one-shot upload with metadata (title)', async () => {
    const data = await read('tone-360.mp3');
    const result = await tusJsUpload(server, team.owner.token, data, { projectId: team.projectId, filename: 'tone-360.mp3', title: 'Morning sting' });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ sha256: sha256(data), kind: 'audio', title: 'Morning sting', originalName: 'tone-360.mp3' });
  });
});

describe('duplicates', () => {
  it('the same content again, by multipart, raw tus and tus-js-client, answers the existing asset', async () => {
    const data = await read('tone-300.mp3');
    const first = await multipart(team.owner.token, team.projectId, { name: 'first.mp3', data });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ sha256: sha256(data), originalName: 'first.mp3' });
    expect(first.body.duplicate).toBeFalsy();
    const before = await snapshot();

    const again = await multipart(team.owner.token, team.projectId, { name: 'again.mp3', data }, { title: 'Another title' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true, originalName: 'first.mp3', title: first.body.title });

    const { create, final } = await tusUpload(team.owner.token, data, { projectId: team.projectId, filename: 'tus-again.mp3' });
    expect(final.status).toBe(200);
    expect(final.json).toMatchObject({ id: first.body.id, duplicate: true, sha256: sha256(data) });

    const client = await tusJsUpload(server, team.editor.token, data, { projectId: team.projectId, filename: 'client-again.mp3' });
    expect(client.status).toBe(200);
    expect(client.body).toMatchObject({ id: first.body.id, duplicate: true });

    const list = await api(server, 'GET', `/api/projects/${team.projectId}/assets?limit=200`, { token: team.owner.token });
    expect(list.body.assets.filter((a: { sha256: string }) => a.sha256 === sha256(data))).toHaveLength(1);
    expect(list.body.total).toBe(before.total);
    // Nothing was stored twice, nothing is left of the duplicate uploads.
    expect(filesUnder(dataDir('media')).filter((f) => f.endsWith(sha256(data)))).toHaveLength(1);
    await expectNothingLeft(before, create.location);
    expect(filesUnder(dataDir('uploads')).filter((f) => f.startsWith(uploadId(client.uploadUrl)))).toEqual([]);
  });
});

// ---- bad files ---------------------------------------------------------------------------------

describe('bad files are refused with a clear JSON error and leave nothing behind', () => {
  const cases = [
    { what: 'a text file named song.mp3', name: 'song.mp3', file: 'song.mp3', code: 'not_media', message: /\.mp3/ },
    { what: 'a truncated MP4', name: 'clip.mp4', file: 'clip-cut.mp4', code: 'undecodable', message: /MP4/ },
    { what: 'an empty file', name: 'empty.wav', file: null, code: 'empty_file', message: /empty \(0 bytes\)/ },
    { what: 'a 30000×30000 PNG (decompression bomb)', name: 'bomb.png', file: 'bomb.png', code: 'too_many_pixels', message: /30000×30000/ }
  ];

  it.each(cases)('$what, by multipart', async ({ name, file, code, message }) => {
    const data = file ? await read(file) : Buffer.alloc(0);
    const before = await snapshot();
    const r = await multipart(team.owner.token, team.projectId, { name, data });
    expectApiError(r, 422, code);
    expect(r.body.error.message).toMatch(message);
    await expectNothingLeft(before);
  });

  it.each(cases)('$what, by tus', async ({ name, file, code, message }) => {
    const data = file ? await read(file) : Buffer.alloc(0);
    const before = await snapshot();
    const { create, final } = await tusUpload(team.owner.token, data, { projectId: team.projectId, filename: name });
    if (data.length === 0) {
      // Upload-Length 0 is complete at creation: the POST itself is refused, and no upload URL is handed out.
      expect(create.location).toBeNull();
    } else {
      expect(create.status).toBe(201);
    }
    expectApiError(asApi(final), 422, code);
    expect(final.json.error.message).toMatch(message);
    await expectNothingLeft(before, create.location);
    if (create.location) expect((await tusHead(create.location, team.owner.token)).status).toBe(404);
  });

  it('names with path parts are kept as names only: stored by hash, nothing written outside DATA_DIR', async () => {
    const outside = [server.dataDir, path.dirname(server.dataDir), os.tmpdir(), process.cwd()];
    const strays = () => outside.flatMap((d) => ['x', 'evil.mp3'].map((n) => path.join(d, n))).filter((p) => fs.existsSync(p));
    const straysBefore = strays();
    const tusX = await tusUpload(team.owner.token, await read('tone-310.mp3'), { projectId: team.projectId, filename: '../../x' });
    const tusEvil = await tusUpload(team.owner.token, await read('tone-320.mp3'), { projectId: team.projectId, filename: '..\\..\\evil.mp3' });
    const mpX = await multipart(team.owner.token, team.projectId, { name: '../../x', data: await read('tone-330.mp3') });
    const mpEvil = await multipart(team.owner.token, team.projectId, { name: '..\\..\\evil.mp3', data: await read('tone-340.mp3') });
    expect(tusX.final.status).toBe(200);
    expect(tusEvil.final.status).toBe(200);
    expect(mpX.status).toBe(201);
    expect(mpEvil.status).toBe(201);
    const assets = [tusX.final.json, tusEvil.final.json, mpX.body, mpEvil.body];
    expect(assets.map((a) => a.originalName)).toEqual(['x', 'evil.mp3', 'x', 'evil.mp3']);
    expect(assets.map((a) => a.title)).toEqual(['x', 'evil', 'x', 'evil']);
    expect(new Set(assets.map((a) => a.id)).size).toBe(4);

    // On disk: only hash-named files under media/ab/cd/, one per asset, with the asset's bytes.
    const media = filesUnder(dataDir('media'));
    for (const f of media) expect(f).toMatch(SHA_PATH);
    for (const a of assets) {
      const rel = `${a.sha256.slice(0, 2)}/${a.sha256.slice(2, 4)}/${a.sha256}`;
      expect(media).toContain(rel);
      expect(sha256(fs.readFileSync(dataDir('media', rel)))).toBe(a.sha256);
    }
    const everything = filesUnder(server.dataDir);
    expect(everything.filter((f) => /(^|\/)(x|evil\.mp3)$/.test(f))).toEqual([]);
    expect(strays()).toEqual(straysBefore);
    expect(filesUnder(dataDir('tmp'))).toEqual([]);
  });
});

// ---- garbage -----------------------------------------------------------------------------------

describe('garbage requests', () => {
  it('multipart: no file field 400, not multipart 415, malformed multipart 400 — nothing left behind', async () => {
    const before = await snapshot();
    const noFile = await multipart(team.owner.token, team.projectId, null, { title: 'no file here' });
    expectApiError(noFile, 400, 'missing_file');
    const wrongField = await rawPost(
      team.owner.token,
      team.projectId,
      '--AAA\r\nContent-Disposition: form-data; name="upload"; filename="a.mp3"\r\n\r\nbytes\r\n--AAA--\r\n',
      'multipart/form-data; boundary=AAA'
    );
    expectApiError(wrongField, 400, 'missing_file');
    expectApiError(await rawPost(team.owner.token, team.projectId, JSON.stringify({ file: 'x' }), 'application/json'), 415, 'unsupported_media_type');
    expectApiError(await rawPost(team.owner.token, team.projectId, await read('tone-350.mp3'), 'audio/mpeg'), 415, 'unsupported_media_type');
    // No boundary at all; a body framed with another boundary than declared; a part that never ends.
    expectApiError(await rawPost(team.owner.token, team.projectId, 'whatever', 'multipart/form-data'), 400, 'invalid_multipart');
    expectApiError(
      await rawPost(team.owner.token, team.projectId, '--AAA\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\nhello\r\n--AAA--\r\n', 'multipart/form-data; boundary=BBB'),
      400,
      'invalid_multipart'
    );
    expectApiError(
      await rawPost(team.owner.token, team.projectId, '--AAA\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\nhello', 'multipart/form-data; boundary=AAA'),
      400,
      'invalid_multipart'
    );
    await expectNothingLeft(before);
  });

  it('multipart: a body that breaks after a complete file part leaves no scratch file behind', () =>
    isolatingTmpLeaks(async () => {
      const data = await read('big.mp4');
      const before = await snapshot();
      const body = Buffer.concat([
        Buffer.from('--AAA\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'),
        data,
        // A second part that never ends: the form is malformed only after the file has been read.
        Buffer.from('\r\n--AAA\r\nContent-Disposition: form-data; name="title"\r\n\r\nunfinished')
      ]);
      expectApiError(await rawPost(team.owner.token, team.projectId, body, 'multipart/form-data; boundary=AAA'), 400, 'invalid_multipart');
      await expectNothingLeft(before);
    }));

  it('multipart: an upload whose connection drops mid-body leaves no scratch file behind', () =>
    isolatingTmpLeaks(async () => {
      const data = await read('big.mp4');
      const before = await snapshot();
      const head = Buffer.from('--AAA\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n');
      const body = Buffer.concat([head, data, Buffer.from('\r\n--AAA--\r\n')]);
      const url = new URL(server.url);
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: url.hostname,
          port: url.port,
          path: `/api/projects/${team.projectId}/assets`,
          method: 'POST',
          headers: { authorization: `Bearer ${team.owner.token}`, 'content-type': 'multipart/form-data; boundary=AAA', 'content-length': String(body.length) }
        });
        req.on('error', () => undefined);
        req.on('close', () => resolve());
        req.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.destroy(), 150));
      });
      await expectNothingLeft(before);
    }));

  it('tus: a PATCH at the wrong Upload-Offset is 409 and changes nothing', async () => {
    const data = await read('tone-350.mp3');
    const before = await snapshot();
    const create = await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId, filename: 'tone.mp3' });
    expect(create.status).toBe(201);
    const url = create.location!;
    const ahead = await tusPatch(url, team.owner.token, 100, data.subarray(100));
    expectApiError(asApi(ahead), 409, 'offset_mismatch');
    expect(ahead.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await tusPatch(url, team.owner.token, 0, data.subarray(0, 1000))).status).toBe(204);
    for (const wrong of [0, 999, 1001, data.length]) {
      expectApiError(asApi(await tusPatch(url, team.owner.token, wrong, data.subarray(Math.min(wrong, data.length - 1)))), 409, 'offset_mismatch');
    }
    expect((await tusHead(url, team.owner.token)).offset).toBe(1000);
    expect(fs.readFileSync(dataDir('uploads', uploadId(url))).equals(data.subarray(0, 1000))).toBe(true);
    expect(await assetTotal()).toBe(before.total);
    // Abandon it (tus termination) so later snapshots stay clean.
    const del = await fetch(url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${team.owner.token}` } });
    expect(del.status).toBe(204);
    await expectNothingLeft(before, url);
  });

  it('tus: someone else’s upload is 404 for HEAD, PATCH and DELETE — even for a member of the project — and stays intact', async () => {
    const data = await read('tone-370.mp3');
    const create = await tusCreate(server, team.editor.token, data.length, { projectId: team.projectId, filename: 'mine.mp3' });
    expect(create.status).toBe(201);
    const url = create.location!;
    expect((await tusPatch(url, team.editor.token, 0, data.subarray(0, 2000))).status).toBe(204);
    for (const other of [team.owner, team.viewer, team.outsider]) {
      expectApiError(asApi(await tusPatch(url, other.token, 2000, data.subarray(2000))), 404, 'not_found');
      const head = await tusHead(url, other.token);
      expect(head.status).toBe(404);
      expect(head.offset).toBeNull();
      const del = await fetch(url, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${other.token}` } });
      expect(del.status).toBe(404);
    }
    expect((await tusHead(url, team.editor.token)).offset).toBe(2000);
    const final = await tusPatch(url, team.editor.token, 2000, data.subarray(2000));
    expect(final.status).toBe(200);
    expect(final.json).toMatchObject({ sha256: sha256(data), uploadedBy: team.editor.id, status: 'approved' });
  });

  it('who may upload: unauthenticated 401, a viewer without viewer uploads 403, a non-member 404 (multipart and tus)', async () => {
    const data = await read('tone-350.mp3');
    const before = await snapshot();
    const meta = { projectId: team.projectId, filename: 'tone.mp3' };

    expectApiError(await multipart(undefined, team.projectId, { name: 'tone.mp3', data }), 401, 'unauthorized');
    expectApiError(await multipart('not-a-token', team.projectId, { name: 'tone.mp3', data }), 401, 'unauthorized');
    expectApiError(await multipart(team.viewer.token, team.projectId, { name: 'tone.mp3', data }), 403, 'forbidden');
    expectApiError(await multipart(team.outsider.token, team.projectId, { name: 'tone.mp3', data }), 404, 'not_found');
    expectApiError(await multipart(team.owner.token, 'aaaaaaaaaaaaaaaa', { name: 'tone.mp3', data }), 404, 'not_found');

    expectApiError(asApi(await tusCreate(server, undefined, data.length, meta)), 401, 'unauthorized');
    expectApiError(asApi(await tusCreate(server, team.viewer.token, data.length, meta)), 403, 'forbidden');
    expectApiError(asApi(await tusCreate(server, team.outsider.token, data.length, meta)), 404, 'not_found');
    expectApiError(asApi(await tusCreate(server, team.owner.token, data.length, { filename: 'tone.mp3' })), 400, 'invalid_metadata');
    expectApiError(asApi(await tusCreate(server, team.owner.token, data.length, { projectId: team.projectId })), 400, 'invalid_metadata');
    expectApiError(asApi(await tusCreate(server, team.owner.token, data.length, { projectId: '../../etc', filename: 'a.mp3' })), 400, 'invalid_metadata');

    // An upload started by a member stays theirs: without credentials it cannot even be looked at.
    const mine = await tusCreate(server, team.owner.token, data.length, meta);
    expect(mine.status).toBe(201);
    expect((await tusHead(mine.location!, undefined)).status).toBe(401);
    expect((await tusPatch(mine.location!, undefined, 0, data)).status).toBe(401);
    await fetch(mine.location!, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${team.owner.token}` } });
    await expectNothingLeft(before, mine.location);
  });

  it('a malformed project id in the upload path is a 404, not a logged 500', async () => {
    const data = await read('tone-350.mp3');
    const before = await snapshot();
    for (const segment of ['%ZZ', '%E0%A4%A', '..%2F..%2Fetc', 'A'.repeat(2000)]) {
      const form = new FormData();
      form.append('file', new Blob([data]), 'tone.mp3');
      const r = await fetch(`${server.url}/api/projects/${segment}/assets`, { method: 'POST', headers: { authorization: `Bearer ${team.owner.token}` }, body: form });
      const body = await r.json();
      expectApiError({ status: r.status, body, headers: r.headers }, 404, 'not_found');
    }
    await expectNothingLeft(before);
  });

  it('every refusal is labelled as JSON (Content-Type), tus included', async () => {
    const meta = { projectId: team.projectId, filename: 'song.mp3' };
    const answers: { what: string; status: number; type: string | null }[] = [];
    const note = (what: string, r: { status: number; headers: Headers }) => answers.push({ what, status: r.status, type: r.headers.get('content-type') });
    note('multipart not_media', await multipart(team.owner.token, team.projectId, { name: 'song.mp3', data: await read('song.mp3') }));
    note('multipart forbidden', await multipart(team.viewer.token, team.projectId, { name: 'song.mp3', data: await read('song.mp3') }));
    note('tus POST forbidden', await tusCreate(server, team.viewer.token, 10, meta));
    note('tus POST empty_file', await tusCreate(server, team.owner.token, 0, meta));
    note('tus PATCH not_media', (await tusUpload(team.owner.token, await read('song.mp3'), meta)).final);
    const open = await tusCreate(server, team.owner.token, 10, meta);
    note('tus PATCH offset_mismatch', await tusPatch(open.location!, team.owner.token, 5, Buffer.alloc(5)));
    note('tus PATCH someone else’s', await tusPatch(open.location!, team.editor.token, 0, Buffer.alloc(10)));
    note('tus HEAD unauthenticated', await fetch(open.location!, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } }));
    await fetch(open.location!, { method: 'DELETE', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${team.owner.token}` } });
    for (const a of answers) expect(a.status, a.what).toBeGreaterThanOrEqual(400);
    expect(answers.filter((a) => !/^application\/json/.test(a.type ?? ''))).toEqual([]);
  });

  it('keeps serving, with no stray files and no unexpected server errors', async () => {
    const health = await api(server, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(server.proc.exitCode).toBeNull();
    for (const f of filesUnder(dataDir('media'))) expect(f).toMatch(SHA_PATH);
    expect(server.output()).not.toMatch(/unhandled error|"level":50/);
  });
});
