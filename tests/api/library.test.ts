/**
 * The media library over real HTTP with a real local worker (LOCAL_WORKERS=1): processing outputs measured with
 * ffprobe/ffmpeg on files fetched through their signed URLs without any credentials, file access rules, moderation,
 * listing/search/paging, metadata, deletion of content-addressed files, and the jobs API.
 */
import fs from 'node:fs';
import { rm, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, createApiToken, createProject, createTeam, expectApiError, signup, statusOfGet, uniqueName, type Team, type TestUser } from '../helpers/api';
import { ffmpeg, ffprobe, filesUnder, h264, loudness, picture, sha256, sine, tempDir, writeQuietMix, writeTone } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';

const PROCESSING_TIMEOUT_MS = 120_000;

let server: RunningServer;
let team: Team;
let dir: string;
const fx = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await tempDir('library-test');
  const [s] = await Promise.all([
    startServer({ env: { LOCAL_WORKERS: '1' } }),
    writeQuietMix(fx('mix.wav'), { seconds: 12, lufs: -30 }),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=6', ...sine(6, 440), ...h264, '-c:a', 'aac', '-t', '6', fx('hd.mp4')),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=2400x1600', '-frames:v', '1', fx('photo.jpg')),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=800x600', '-frames:v', '1', fx('still.png')),
    ffmpeg(...picture(2), ...h264, '-an', fx('clip.mp4')),
    writeTone(fx('tone-2s.mp3'), { seconds: 2, frequency: 400 }),
    writeTone(fx('tone-4s.mp3'), { seconds: 4, frequency: 500 }),
    writeTone(fx('tone-6s.mp3'), { seconds: 6, frequency: 600 }),
    ...[700, 710, 720, 730, 740, 750, 760, 770].map((frequency) => writeTone(fx(`tone-${frequency}.mp3`), { frequency }))
  ]);
  server = s;
  team = await createTeam(server, 'Library');
}, 120_000);

afterAll(async () => {
  await server?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---- helpers ----------------------------------------------------------------------------------

async function upload(user: TestUser, projectId: string, file: string, name = file, fields: Record<string, string> = {}): Promise<any> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([await readFile(fx(file))]), name);
  const r = await fetch(`${server.url}/api/projects/${projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
  const body = await r.json();
  if (r.status !== 201) throw new Error(`upload of ${file} answered ${r.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls GET /api/assets/:id until processing is ready or failed; the asset JSON. */
async function processed(id: string, user: TestUser = team.owner): Promise<any> {
  const until = Date.now() + PROCESSING_TIMEOUT_MS;
  for (;;) {
    const r = await api(server, 'GET', `/api/assets/${id}`, { token: user.token });
    expect(r.status).toBe(200);
    if (r.body.processing.state === 'ready' || r.body.processing.state === 'failed') return r.body;
    if (Date.now() > until) throw new Error(`asset ${id} still ${r.body.processing.state} after ${PROCESSING_TIMEOUT_MS} ms:\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function variant(asset: any, name: string): any {
  const v = asset.variants.find((x: { name: string }) => x.name === name);
  if (!v) throw new Error(`asset ${asset.id} has no ${name} variant: ${asset.variants.map((x: { name: string }) => x.name).join(', ')}`);
  return v;
}

/** Fetches a signed URL with no Authorization and no cookie; the bytes are saved for ffprobe. */
async function fetchSigned(url: string, saveAs: string): Promise<{ res: Response; data: Buffer; file: string }> {
  expect(url).toMatch(/\?exp=\d+&sig=[\w-]+$/);
  const res = await fetch(server.url + url);
  const data = Buffer.from(await res.arrayBuffer());
  const file = fx(saveAs);
  await writeFile(file, data);
  return { res, data, file };
}

/** A downloaded variant: 200, the recorded type, size and hash. */
async function fetchVariant(asset: any, name: string, ext: string) {
  const v = variant(asset, name);
  const got = await fetchSigned(v.url, `${asset.id}-${name}.${ext}`);
  expect(got.res.status).toBe(200);
  expect(got.res.headers.get('content-type')).toBe(v.mime);
  expect(got.data.length).toBe(v.bytes);
  expect(sha256(got.data)).toBe(v.sha256);
  return { ...got, v };
}

/** The status of a plain GET sent with exactly these headers. */
const statusOf = (url: string, headers: Record<string, string>) => statusOfGet(server, url, headers);

const mediaPath = (sha: string) => path.join(server.dataDir, 'media', sha.slice(0, 2), sha.slice(2, 4), sha);

// ---- processing ---------------------------------------------------------------------------------

describe('processing by the local worker, checked on the downloaded outputs', () => {
  it('audio: a broadcast copy at -16 LUFS (±1) and a waveform', async () => {
    expect((await loudness(fx('mix.wav'))).integrated).toBeCloseTo(-30, 0);
    const uploaded = await upload(team.owner, team.projectId, 'mix.wav');
    expect(uploaded).toMatchObject({ kind: 'audio', mime: 'audio/wav' });
    expect(['queued', 'running']).toContain(uploaded.processing.state);
    const asset = await processed(uploaded.id);
    expect(asset.processing).toMatchObject({ state: 'ready', error: null });
    expect(asset.duration).toBeCloseTo(12, 0);
    expect(asset.width).toBeNull();
    expect(asset.height).toBeNull();
    expect(asset.variants.map((v: { name: string }) => v.name).sort()).toEqual(['broadcast', 'waveform']);

    const broadcast = await fetchVariant(asset, 'broadcast', 'mp3');
    const measured = await loudness(broadcast.file);
    expect(Math.abs(measured.integrated - -16)).toBeLessThanOrEqual(1);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    const probe = await ffprobe(broadcast.file);
    const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
    expect(audio.codec_name).toBe('mp3');
    expect(Number(probe.format.duration)).toBeCloseTo(12, 0);

    const waveform = await fetchVariant(asset, 'waveform', 'json');
    const peaks = JSON.parse(waveform.data.toString('utf8'));
    expect(peaks).toMatchObject({ version: 2, channels: 1, bits: 8, sample_rate: 8000, length: waveform.v.meta.length });
    expect(peaks.data).toHaveLength(2 * peaks.length);
    expect(Math.abs(peaks.length * peaks.samples_per_pixel - 12 * 8000)).toBeLessThanOrEqual(peaks.samples_per_pixel);
    expect(peaks.data.every((x: number) => Number.isInteger(x) && x >= -128 && x <= 127)).toBe(true);
    expect(Math.max(...peaks.data)).toBeGreaterThan(0);
  }, PROCESSING_TIMEOUT_MS + 30_000);

  it('video: a 720p H.264/AAC proxy, a JPEG poster and a sprite of one tile per second', async () => {
    const uploaded = await upload(team.owner, team.projectId, 'hd.mp4');
    expect(uploaded).toMatchObject({ kind: 'video', width: 1920, height: 1080 });
    const asset = await processed(uploaded.id);
    expect(asset.processing.state).toBe('ready');
    expect(asset).toMatchObject({ width: 1920, height: 1080 });
    expect(asset.duration).toBeCloseTo(6, 0);
    expect(asset.variants.map((v: { name: string }) => v.name)).toEqual(expect.arrayContaining(['proxy', 'poster', 'sprite']));

    const proxy = await fetchVariant(asset, 'proxy', 'mp4');
    const probe = await ffprobe(proxy.file);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(audio?.codec_name).toBe('aac');
    expect(Number(probe.format.duration)).toBeCloseTo(6, 0);

    const poster = await fetchVariant(asset, 'poster', 'jpg');
    expect(poster.data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
    expect(poster.v.mime).toBe('image/jpeg');
    const posterProbe = (await ffprobe(poster.file)).streams[0]!;
    expect(posterProbe).toMatchObject({ codec_name: 'mjpeg', width: 1280, height: 720 });

    const sprite = await fetchVariant(asset, 'sprite', 'jpg');
    const layout = sprite.v.meta;
    expect(layout).toMatchObject({ count: 6, interval: 1 });
    expect(layout.columns * layout.rows).toBeGreaterThanOrEqual(layout.count);
    const spriteProbe = (await ffprobe(sprite.file)).streams[0]!;
    expect(spriteProbe.codec_name).toBe('mjpeg');
    expect(spriteProbe.width).toBe(layout.columns * layout.tileWidth);
    expect(spriteProbe.height).toBe(layout.rows * layout.tileHeight);
  }, PROCESSING_TIMEOUT_MS + 30_000);

  it('image: web and thumb WebP copies; its size on the asset', async () => {
    const uploaded = await upload(team.owner, team.projectId, 'photo.jpg');
    const asset = await processed(uploaded.id);
    expect(asset.processing.state).toBe('ready');
    expect(asset).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 2400, height: 1600, duration: null });
    expect(asset.variants.map((v: { name: string }) => v.name).sort()).toEqual(['thumb', 'web']);
    for (const [name, box] of [
      ['web', 2048],
      ['thumb', 320]
    ] as const) {
      const got = await fetchVariant(asset, name, 'webp');
      expect(got.data.toString('latin1', 0, 4)).toBe('RIFF');
      expect(got.data.toString('latin1', 8, 12)).toBe('WEBP');
      const meta = await sharp(got.data).metadata();
      expect(meta.format).toBe('webp');
      expect({ width: meta.width, height: meta.height }).toEqual({ width: got.v.meta.width, height: got.v.meta.height });
      expect(Math.max(meta.width, meta.height)).toBe(box);
      expect(meta.width / meta.height).toBeCloseTo(2400 / 1600, 1);
    }
  }, PROCESSING_TIMEOUT_MS + 30_000);
});

// ---- files ----------------------------------------------------------------------------------

describe('asset files: Range, ETag, signed URLs and access', () => {
  let asset: any;
  let original: Buffer;
  beforeAll(async () => {
    original = await readFile(fx('tone-700.mp3'));
    asset = await upload(team.owner, team.projectId, 'tone-700.mp3');
  });

  it('Range bytes=0-99: 206 with Content-Range, 100 bytes, the hash as ETag, the right type', async () => {
    for (const [how, url, headers] of [
      ['bearer token', `/api/assets/${asset.id}/file`, { authorization: `Bearer ${team.editor.token}` }],
      ['signed URL, no credentials', asset.url, {}]
    ] as const) {
      const r = await fetch(server.url + url, { headers: { ...headers, range: 'bytes=0-99' } });
      expect(r.status, how).toBe(206);
      expect(r.headers.get('content-range')).toBe(`bytes 0-99/${original.length}`);
      expect(r.headers.get('etag')).toBe(`"${sha256(original)}"`);
      expect(r.headers.get('content-type')).toBe('audio/mpeg');
      const body = Buffer.from(await r.arrayBuffer());
      expect(body.length).toBe(100);
      expect(body.equals(original.subarray(0, 100))).toBe(true);
    }
    const tail = await fetch(server.url + asset.url, { headers: { range: `bytes=${original.length - 10}-` } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(original.subarray(original.length - 10))).toBe(true);
    const whole = await fetch(server.url + asset.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('etag')).toBe(`"${asset.sha256}"`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);
    // A cached copy is revalidated by its hash; HEAD answers the size without a body.
    // (node:http, because fetch adds Cache-Control: no-cache to conditional requests, which forbids a 304.)
    expect(await statusOf(asset.url, { 'if-none-match': `"${asset.sha256}"` })).toBe(304);
    expect(await statusOf(asset.url, { 'if-none-match': `"${'0'.repeat(64)}"` })).toBe(200);
    const head = await fetch(server.url + asset.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(original.length));
    // A range past the end is refused in the API's error format.
    expectApiError(await api(server, 'GET', asset.url, { headers: { range: `bytes=${original.length + 10}-` } }), 416, 'bad_range');
  });

  it('a tampered signature is 403; no credentials and no signature is 401', async () => {
    const u = new URL(asset.url, server.url);
    const sig = u.searchParams.get('sig')!;
    const flipped = new URL(u);
    flipped.searchParams.set('sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const longer = new URL(u);
    longer.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 600));
    const otherAsset = (await api(server, 'GET', `/api/projects/${team.projectId}/assets?limit=1&sort=oldest`, { token: team.owner.token })).body.assets[0];
    const moved = `/api/assets/${otherAsset.id}/file${u.search}`;
    for (const url of [flipped.pathname + flipped.search, longer.pathname + longer.search, moved, `${u.pathname}?exp=${u.searchParams.get('exp')}`]) {
      const r = await api(server, 'GET', url);
      expectApiError(r, 403);
    }
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}/file`), 401, 'unauthorized');
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}/variants/waveform`), 401, 'unauthorized');
  });

  it('members fetch without a signature by session cookie or API token; a non-member’s token gets 404', async () => {
    const viaCookie = await fetch(`${server.url}/api/assets/${asset.id}/file`, { headers: { cookie: `airstudio_session=${team.viewer.token}` } });
    expect(viaCookie.status).toBe(200);
    expect(sha256(Buffer.from(await viaCookie.arrayBuffer()))).toBe(asset.sha256);
    const token = await createApiToken(server, team.editor, 'library test');
    expect(token).toMatch(/^ast_/);
    const viaToken = await fetch(`${server.url}/api/assets/${asset.id}/file`, { headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.status).toBe(200);
    expect(sha256(Buffer.from(await viaToken.arrayBuffer()))).toBe(asset.sha256);

    const outsiderToken = await createApiToken(server, team.outsider, 'not a member');
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}/file`, { token: outsiderToken }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}/file`, { headers: { cookie: `airstudio_session=${team.outsider.token}` } }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}`, { token: outsiderToken }), 404, 'not_found');
    // A member asking for a variant that does not exist.
    expectApiError(await api(server, 'GET', `/api/assets/${asset.id}/variants/nothing`, { token }), 404, 'not_found');
  });
});

// ---- moderation ------------------------------------------------------------------------------------

describe('moderation of viewer uploads', () => {
  let moderated: Team;
  beforeAll(async () => {
    moderated = await createTeam(server, 'Moderated');
  });
  /** A second viewer of the moderated project. */
  const signupViewer = async () => {
    const user = await signup(server, uniqueName('viewer2'));
    await addMember(server, moderated.owner, moderated.projectId, user.username, 'viewer');
    return user;
  };

  it('only the owner opens uploads to viewers; a viewer’s upload waits, an editor’s is approved', async () => {
    const refused = await fetch(`${server.url}/api/projects/${moderated.projectId}/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${moderated.viewer.token}` },
      body: (() => {
        const f = new FormData();
        f.append('file', new Blob([fs.readFileSync(fx('tone-710.mp3'))]), 'early.mp3');
        return f;
      })()
    });
    expect(refused.status).toBe(403);
    expectApiError(await api(server, 'PATCH', `/api/projects/${moderated.projectId}`, { token: moderated.editor.token, body: { viewerUploads: true } }), 403, 'forbidden');
    const open = await api(server, 'PATCH', `/api/projects/${moderated.projectId}`, { token: moderated.owner.token, body: { viewerUploads: true } });
    expect(open.status).toBe(200);
    expect(open.body.viewerUploads).toBe(true);

    const fromViewer = await upload(moderated.viewer, moderated.projectId, 'tone-710.mp3');
    expect(fromViewer).toMatchObject({ status: 'pending', rejectionReason: null, uploadedBy: moderated.viewer.id });
    const fromEditor = await upload(moderated.editor, moderated.projectId, 'tone-720.mp3');
    expect(fromEditor.status).toBe('approved');

    const pending = await api(server, 'GET', `/api/projects/${moderated.projectId}/assets?status=pending`, { token: moderated.editor.token });
    expect(pending.body.assets.map((a: { id: string }) => a.id)).toEqual([fromViewer.id]);
  });

  it('viewers cannot approve; a rejection needs a reason; approve again clears it', async () => {
    const asset = await upload(moderated.viewer, moderated.projectId, 'tone-730.mp3');
    expect(asset.status).toBe('pending');
    const path = `/api/assets/${asset.id}`;
    expectApiError(await api(server, 'PATCH', path, { token: moderated.viewer.token, body: { status: 'approved' } }), 403, 'forbidden');
    expectApiError(await api(server, 'PATCH', path, { token: moderated.editor.token, body: { status: 'rejected' } }), 400, 'reason_required');
    expectApiError(await api(server, 'PATCH', path, { token: moderated.editor.token, body: { status: 'rejected', rejectionReason: '   ' } }), 400, 'reason_required');
    expect((await api(server, 'GET', path, { token: moderated.owner.token })).body.status).toBe('pending');

    const rejected = await api(server, 'PATCH', path, { token: moderated.editor.token, body: { status: 'rejected', rejectionReason: '  Clipping at 0:03 ' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionReason: 'Clipping at 0:03' });
    // The uploader sees why.
    expect((await api(server, 'GET', path, { token: moderated.viewer.token })).body.rejectionReason).toBe('Clipping at 0:03');

    const approved = await api(server, 'PATCH', path, { token: moderated.owner.token, body: { status: 'approved' } });
    expect(approved.body).toMatchObject({ status: 'approved', rejectionReason: null });
    // Once approved, it is the library's: the viewer who uploaded it can no longer delete it.
    expectApiError(await api(server, 'DELETE', path, { token: moderated.viewer.token }), 403, 'forbidden');
  });

  it('a viewer may withdraw their own pending upload, not someone else’s', async () => {
    const other = await signupViewer();
    const mine = await upload(moderated.viewer, moderated.projectId, 'tone-770.mp3');
    expect(mine.status).toBe('pending');
    expectApiError(await api(server, 'DELETE', `/api/assets/${mine.id}`, { token: other.token }), 403, 'forbidden');
    expect((await api(server, 'DELETE', `/api/assets/${mine.id}`, { token: moderated.viewer.token })).status).toBe(204);
    expectApiError(await api(server, 'GET', `/api/assets/${mine.id}`, { token: moderated.owner.token }), 404, 'not_found');
  });

  it('bulk: approve several and add a tag at once; viewers and foreign ids are refused', async () => {
    const a = await upload(moderated.viewer, moderated.projectId, 'tone-740.mp3');
    const b = await upload(moderated.viewer, moderated.projectId, 'tone-750.mp3');
    const bulk = `/api/projects/${moderated.projectId}/assets/bulk`;
    expectApiError(await api(server, 'POST', bulk, { token: moderated.viewer.token, body: { ids: [a.id, b.id], status: 'approved' } }), 403, 'forbidden');
    expectApiError(await api(server, 'POST', bulk, { token: moderated.editor.token, body: { ids: [a.id, 'aaaaaaaaaaaaaaaa'], status: 'approved' } }), 404, 'not_found');
    expectApiError(await api(server, 'POST', bulk, { token: moderated.editor.token, body: { ids: [] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', bulk, { token: moderated.editor.token, body: { ids: [a.id], status: 'rejected' } }), 400, 'reason_required');

    const r = await api(server, 'POST', bulk, { token: moderated.editor.token, body: { ids: [a.id, b.id], status: 'approved', addTags: ['Jingle', ' jingle '] } });
    expect(r.status).toBe(200);
    expect(r.body.assets).toHaveLength(2);
    for (const id of [a.id, b.id]) {
      const got = (await api(server, 'GET', `/api/assets/${id}`, { token: moderated.owner.token })).body;
      expect(got).toMatchObject({ status: 'approved', tags: ['jingle'] });
    }
    const tagged = await api(server, 'GET', `/api/projects/${moderated.projectId}/assets?tag=jingle`, { token: moderated.viewer.token });
    expect(tagged.body.assets.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());

    const removed = await api(server, 'POST', bulk, { token: moderated.editor.token, body: { ids: [a.id], removeTags: ['JINGLE'] } });
    expect(removed.body.assets[0].tags).toEqual([]);
  });
});

// ---- the library API -------------------------------------------------------------------------------

describe('library API: listing, search, paging, metadata, deletion', () => {
  let projectId: string;
  const ids: Record<string, string> = {};
  const list = async (query: string) => {
    const r = await api(server, 'GET', `/api/projects/${projectId}/assets?${query}`, { token: team.owner.token });
    expect(r.status, query).toBe(200);
    return r.body as { assets: any[]; total: number; offset: number; limit: number };
  };
  const idsOf = (assets: { id: string }[]) => assets.map((a) => a.id);

  beforeAll(async () => {
    projectId = await createProject(server, team.owner, 'Library listing');
    await addMember(server, team.owner, projectId, team.editor.username, 'editor');
    await addMember(server, team.owner, projectId, team.viewer.username, 'viewer');
    ids.zebra = (await upload(team.owner, projectId, 'tone-2s.mp3', 'zebra.mp3', { title: 'Zebra crossing', tags: 'Drums,Loop', description: 'Street ambience at night' })).id;
    ids.apple = (await upload(team.owner, projectId, 'tone-4s.mp3', 'apple.mp3', { title: 'apple pie', tags: 'drums' })).id;
    ids.middle = (await upload(team.owner, projectId, 'tone-6s.mp3', 'middle.mp3', { title: 'Middle', artist: 'The Zebras' })).id;
    ids.photo = (await upload(team.owner, projectId, 'still.png', 'still.png', { title: 'Poster photo' })).id;
    ids.clip = (await upload(team.owner, projectId, 'clip.mp4', 'clip.mp4', { title: 'Clip' })).id;
    // Durations are final once processed (the worker's probe replaces the upload check's).
    for (const id of Object.values(ids)) expect((await processed(id)).processing.state).toBe('ready');
  }, PROCESSING_TIMEOUT_MS + 60_000);

  it('filters: kind, status, q over title/tags/description, tag, duration range', async () => {
    expect((await list('')).total).toBe(5);
    expect(idsOf((await list('kind=audio')).assets).sort()).toEqual([ids.zebra, ids.apple, ids.middle].sort());
    expect(idsOf((await list('kind=image')).assets)).toEqual([ids.photo]);
    expect(idsOf((await list('kind=video')).assets)).toEqual([ids.clip]);
    expect((await list('status=approved')).total).toBe(5);
    expect((await list('status=pending')).total).toBe(0);
    // q: case-insensitive, in titles, tags, descriptions (and artists).
    expect(idsOf((await list('q=zebra%20CROSS')).assets)).toEqual([ids.zebra]);
    expect(idsOf((await list('q=DRUMS')).assets).sort()).toEqual([ids.zebra, ids.apple].sort());
    expect(idsOf((await list('q=ambience')).assets)).toEqual([ids.zebra]);
    expect(idsOf((await list('q=zebra')).assets).sort()).toEqual([ids.zebra, ids.middle].sort());
    expect((await list('q=50%25')).total).toBe(0);
    expect(idsOf((await list('tag=drums')).assets).sort()).toEqual([ids.zebra, ids.apple].sort());
    expect(idsOf((await list('tag=loop')).assets)).toEqual([ids.zebra]);
    expect((await list('tag=drum')).total).toBe(0);
    expect(idsOf((await list('minDuration=3&maxDuration=5')).assets)).toEqual([ids.apple]);
    expect(idsOf((await list('minDuration=5')).assets)).toEqual([ids.middle]);
    expect(idsOf((await list('kind=audio&maxDuration=3')).assets)).toEqual([ids.zebra]);
    expectApiError(await api(server, 'GET', `/api/projects/${projectId}/assets?kind=banana`, { token: team.owner.token }), 400, 'invalid_input');
    expectApiError(await api(server, 'GET', `/api/projects/${projectId}/assets?limit=0`, { token: team.owner.token }), 400, 'invalid_input');
    expectApiError(await api(server, 'GET', `/api/projects/${projectId}/assets`, { token: team.outsider.token }), 404, 'not_found');
  });

  it('sort by title, and paging with limit/offset/total', async () => {
    const byTitle = await list('sort=title');
    expect(byTitle.assets.map((a) => a.title)).toEqual(['apple pie', 'Clip', 'Middle', 'Poster photo', 'Zebra crossing']);
    const pages = [await list('sort=title&limit=2&offset=0'), await list('sort=title&limit=2&offset=2'), await list('sort=title&limit=2&offset=4')];
    expect(pages.map((p) => p.assets.length)).toEqual([2, 2, 1]);
    for (const [i, p] of pages.entries()) expect(p).toMatchObject({ total: 5, limit: 2, offset: 2 * i });
    expect(pages.flatMap((p) => idsOf(p.assets))).toEqual(idsOf(byTitle.assets));
    expect((await list('sort=title&limit=2&offset=10')).assets).toEqual([]);
  });

  it('sort by duration: longest first, assets without a duration (images) last', async () => {
    const byDuration = (await list('sort=duration')).assets;
    expect(byDuration).toHaveLength(5);
    expect(byDuration.at(-1).id).toBe(ids.photo);
    const durations = byDuration.slice(0, -1).map((a) => a.duration as number);
    expect(durations.every((d) => typeof d === 'number')).toBe(true);
    expect([...durations].sort((a, b) => b - a)).toEqual(durations);
    expect(byDuration[0].id).toBe(ids.middle);
  });

  it('PATCH metadata: trimmed text, tags lowercased and deduplicated; viewers and outsiders refused', async () => {
    const path = `/api/assets/${ids.middle}`;
    const r = await api(server, 'PATCH', path, {
      token: team.editor.token,
      body: { title: '  Middle eight ', artist: ' Band ', description: 'Bridge section', category: 'music', tags: ['Rock', 'rock ', ' ROCK', 'Indie   Pop', ''] }
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ title: 'Middle eight', artist: 'Band', description: 'Bridge section', category: 'music', tags: ['rock', 'indie pop'] });
    expect((await api(server, 'GET', path, { token: team.owner.token })).body.tags).toEqual(['rock', 'indie pop']);
    expect(idsOf((await list('tag=indie%20pop')).assets)).toEqual([ids.middle]);
    // An empty title keeps the old one.
    expect((await api(server, 'PATCH', path, { token: team.editor.token, body: { title: '  ' } })).body.title).toBe('Middle eight');
    expectApiError(await api(server, 'PATCH', path, { token: team.viewer.token, body: { title: 'Mine now' } }), 403, 'forbidden');
    expectApiError(await api(server, 'PATCH', path, { token: team.outsider.token, body: { title: 'Mine now' } }), 404, 'not_found');
    expectApiError(await api(server, 'PATCH', path, { token: team.editor.token, body: { sha256: '0'.repeat(64) } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PATCH', path, { token: team.editor.token, body: { tags: ['x'.repeat(41)] } }), 400, 'invalid_input');
  });

  it('DELETE removes the asset and its files when nothing else uses the content', async () => {
    const asset = (await api(server, 'GET', `/api/assets/${ids.photo}`, { token: team.owner.token })).body;
    const shas = [asset.sha256, ...asset.variants.map((v: { sha256: string }) => v.sha256)];
    expect(shas).toHaveLength(3);
    for (const sha of shas) expect(fs.existsSync(mediaPath(sha))).toBe(true);
    expectApiError(await api(server, 'DELETE', `/api/assets/${ids.photo}`, { token: team.viewer.token }), 403, 'forbidden');
    const del = await api(server, 'DELETE', `/api/assets/${ids.photo}`, { token: team.editor.token });
    expect(del.status).toBe(204);
    expectApiError(await api(server, 'GET', `/api/assets/${ids.photo}`, { token: team.owner.token }), 404, 'not_found');
    for (const sha of shas) expect(fs.existsSync(mediaPath(sha))).toBe(false);
    expect(await fetch(server.url + asset.url).then((r) => r.status)).toBe(404);
    expect((await list('')).total).toBe(4);
    expectApiError(await api(server, 'DELETE', `/api/assets/${ids.photo}`, { token: team.editor.token }), 404, 'not_found');
  });

  it('DELETE keeps the bytes while the same content is an asset in another project', async () => {
    const otherProject = await createProject(server, team.owner, 'Library other');
    const other = await processed((await upload(team.owner, otherProject, 'tone-4s.mp3', 'same-bytes.mp3')).id);
    const here = (await api(server, 'GET', `/api/assets/${ids.apple}`, { token: team.owner.token })).body;
    expect(other.sha256).toBe(here.sha256);
    expect(other.id).not.toBe(here.id);

    expect((await api(server, 'DELETE', `/api/assets/${ids.apple}`, { token: team.owner.token })).status).toBe(204);
    expect(fs.existsSync(mediaPath(here.sha256))).toBe(true);
    for (const v of other.variants) expect(fs.existsSync(mediaPath(v.sha256))).toBe(true);
    const still = await fetch(server.url + other.url);
    expect(still.status).toBe(200);
    expect(sha256(Buffer.from(await still.arrayBuffer()))).toBe(other.sha256);
    // Variants only the deleted asset used are gone.
    const otherShas = new Set([other.sha256, ...other.variants.map((v: { sha256: string }) => v.sha256)]);
    for (const v of here.variants) if (!otherShas.has(v.sha256)) expect(fs.existsSync(mediaPath(v.sha256))).toBe(false);

    // And once the last user goes, the bytes go too (the shared content was not a variant of anything else here).
    expect((await api(server, 'DELETE', `/api/assets/${other.id}`, { token: team.owner.token })).status).toBe(204);
    expect(fs.existsSync(mediaPath(here.sha256))).toBe(false);
    for (const v of other.variants) expect(fs.existsSync(mediaPath(v.sha256))).toBe(false);
  });

  it('DELETE keeps a variant’s bytes while another asset has that content', async () => {
    const middle = (await api(server, 'GET', `/api/assets/${ids.middle}`, { token: team.owner.token })).body;
    const broadcast = variant(middle, 'broadcast');
    const { file } = await fetchSigned(broadcast.url, 'middle-broadcast.mp3');
    const otherProject = await createProject(server, team.owner, 'Library reuse');
    const form = new FormData();
    form.append('file', new Blob([await readFile(file)]), 'reused-broadcast.mp3');
    const r = await fetch(`${server.url}/api/projects/${otherProject}/assets`, { method: 'POST', headers: { authorization: `Bearer ${team.owner.token}` }, body: form });
    expect(r.status).toBe(201);
    const reused = await r.json();
    expect(reused.sha256).toBe(broadcast.sha256);
    await processed(reused.id);

    expect((await api(server, 'DELETE', `/api/assets/${ids.middle}`, { token: team.owner.token })).status).toBe(204);
    expect(fs.existsSync(mediaPath(middle.sha256))).toBe(false);
    expect(fs.existsSync(mediaPath(broadcast.sha256))).toBe(true);
    const still = await fetch(server.url + reused.url);
    expect(still.status).toBe(200);
    expect(sha256(Buffer.from(await still.arrayBuffer()))).toBe(broadcast.sha256);
  }, PROCESSING_TIMEOUT_MS + 30_000);
});

// ---- jobs ------------------------------------------------------------------------------------------

describe('jobs API: the processing job of an upload', () => {
  it('is visible at GET /api/jobs/:id and in the project’s job list, succeeded, type media.process', async () => {
    const asset = await processed((await upload(team.editor, team.projectId, 'tone-760.mp3')).id);
    const jobId = asset.processing.jobId;
    expect(jobId).toMatch(/^[a-z2-7]{16}$/);

    const job = await api(server, 'GET', `/api/jobs/${jobId}`, { token: team.viewer.token });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: jobId, projectId: team.projectId, type: 'media.process', status: 'succeeded', error: null, progress: 1 });
    expect(job.body.input).toMatchObject({ assetId: asset.id, kind: 'audio', sha256: asset.sha256 });
    expect(job.body.result).toMatchObject({ assetId: asset.id, variants: expect.arrayContaining(['broadcast', 'waveform']) });
    expect(job.body.completedAt).toBeGreaterThanOrEqual(job.body.startedAt);

    const jobs = await api(server, 'GET', `/api/projects/${team.projectId}/jobs`, { token: team.owner.token });
    expect(jobs.status).toBe(200);
    expect(jobs.body.jobs.find((j: { id: string }) => j.id === jobId)).toMatchObject({ status: 'succeeded', type: 'media.process' });
    const filtered = await api(server, 'GET', `/api/projects/${team.projectId}/jobs?type=media.process&status=succeeded`, { token: team.owner.token });
    expect(filtered.body.jobs.map((j: { id: string }) => j.id)).toContain(jobId);
    expect(filtered.body.jobs.every((j: { type: string; status: string }) => j.type === 'media.process' && j.status === 'succeeded')).toBe(true);

    expectApiError(await api(server, 'GET', `/api/jobs/${jobId}`, { token: team.outsider.token }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/jobs`, { token: team.outsider.token }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/jobs/${jobId}`), 401);
  }, PROCESSING_TIMEOUT_MS + 30_000);
});

// ---- afterwards ---------------------------------------------------------------------------------

describe('afterwards', () => {
  it('only hash-named files in media/, an empty scratch folder, and no server errors logged', async () => {
    for (const f of filesUnder(path.join(server.dataDir, 'media'))) expect(f).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(filesUnder(path.join(server.dataDir, 'tmp'))).toEqual([]);
    expect(server.output()).not.toMatch(/unhandled error|"level":50/);
  });
});
