import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { BriefJson } from '$lib/brief/brief-json';
import type { DesignKitJson, KitItemJson } from '$lib/design-kit';
import { REFINEMENT_UNAVAILABLE } from '$lib/design-kit';
import type { JobJson } from '$lib/job';
import { SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as br from '$lib/editor/model/brief/operations';
import * as st from '$lib/editor/model/brief/staging-operations';
import { STAGING_PROVIDER_NOT_CONFIGURED, type StagingResult } from '$lib/staging/staging-job';
import { api, createProject, createTeam, expectApiError, signup, uniqueName, type Team, type TestUser } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startImageEditStub, type ImageEditStub } from '../helpers/image-edit-stub';
import { startServer, type RunningServer } from '../helpers/server';
import { processed } from '../helpers/studio';
import { connectClient, waitFor } from '../helpers/yclient';
import type { ProjectCreditsJson } from '$lib/credits';
import { redObjectSegmenter } from '../helpers/onnx-model';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// Design kits, cut-outs and the staging render through the whole system: the built server, a real worker (sharp),
// a headless Yjs client placing cut-outs, and a protocol-faithful stub of an OpenAI-compatible image-edit server.
let server: RunningServer;
let team: Team;
let stub: ImageEditStub;

const kits = (projectId = team.projectId) => `/api/projects/${projectId}/design-kits`;

async function upload(user: TestUser, url: string, data: Buffer, name: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  // A script with a token sends no Origin header: the CSRF rule is for cookies only.
  const r = await fetch(server.url + url, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}

const room = () => sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
/** A 60×40 red block on a transparent 80×60 canvas: a cut-out. */
const cutoutPng = () =>
  sharp({ create: { width: 60, height: 40, channels: 4, background: { r: 220, g: 20, b: 20, alpha: 1 } } })
    .extend({ top: 10, bottom: 10, left: 10, right: 10, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();

async function pixel(url: string, token: string, x: number, y: number) {
  const r = await fetch(server.url + url, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  const { data, info } = await sharp(Buffer.from(await r.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  const at = (px: number, py: number) => Array.from(data.subarray((py * info.width + px) * info.channels, (py * info.width + px + 1) * info.channels));
  return { info, at, value: at(x, y) };
}

async function finished(id: string): Promise<JobJson> {
  let job: JobJson | undefined;
  await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${id}`, { token: team.owner.token })).body).status), 'staging.render finishes', 120_000);
  return job!;
}

describe.each(KINDS)('design kits and the staging render on %s (image-edit stub)', (kind) => {
  let database: TestDatabase | undefined;
  let kit: DesignKitJson;
  let roomAssetId: string;
  let cutout: KitItemJson;

  beforeAll(async () => {
    stub = await startImageEditStub();
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
    team = await createTeam(server, 'Staging');
    const up = await upload(team.editor, `/api/projects/${team.projectId}/assets`, await room(), 'living room.png');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    roomAssetId = (await processed(server, team.editor, up.body.id)).id;
  }, 180_000);
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    await stub?.close();
  });

  it('creates, edits and lists kits; bad input is a clear 4xx', async () => {
    const made = await api<DesignKitJson>(server, 'POST', kits(), { token: team.editor.token, body: { name: ' Scandinavian ', description: 'Light oak, white, wool', palette: ['#F5F0E6', '#8a9a5b'] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    kit = made.body;
    expect(kit).toMatchObject({ name: 'Scandinavian', palette: ['#f5f0e6', '#8a9a5b'], ownerId: team.owner.id, items: [] });
    const patched = await api<DesignKitJson>(server, 'PATCH', `${kits()}/${kit.id}`, { token: team.editor.token, body: { palette: ['#ffffff'] } });
    expect(patched.body.palette).toEqual(['#ffffff']);
    expect((await api(server, 'GET', kits(), { token: team.viewer.token })).body.kits.map((k: DesignKitJson) => k.name)).toEqual(['Scandinavian']);

    expectApiError(await api(server, 'POST', kits(), { token: team.editor.token, raw: '{"name":' }), 400, 'invalid_json');
    expectApiError(await api(server, 'POST', kits(), { token: team.editor.token, body: { name: 'X', palette: ['red'] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', kits(), { token: team.editor.token, body: { name: '' } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', kits(), { token: team.viewer.token, body: { name: 'Mine' } }), 403);
    expectApiError(await api(server, 'GET', kits(), { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', `${kits()}/nosuchkit`, { token: team.editor.token }), 404, 'not_found');
    expectApiError(await api(server, 'PATCH', `${kits()}/nosuchkit`, { token: team.editor.token, body: { name: 'Y' } }), 404, 'not_found');
  });

  it('takes cut-outs only with transparency, and any file name', async () => {
    const hostile = await upload(team.editor, `${kits()}/${kit.id}/items`, await cutoutPng(), '../../etc/<script>alert(1)</script>\u202e.png', { role: 'cutout' });
    expect(hostile.status, JSON.stringify(hostile.body)).toBe(201);
    cutout = hostile.body;
    expect(cutout).toMatchObject({ role: 'cutout', mime: 'image/png', width: 80, height: 60 });
    expect(cutout.title).not.toContain('/');
    expect(cutout.title).not.toContain('\u202e');

    const jpeg = await sharp(await room()).jpeg().toBuffer();
    const noAlpha = await upload(team.editor, `${kits()}/${kit.id}/items`, jpeg, 'sofa.jpg', { role: 'cutout' });
    expectApiError(noAlpha, 422, 'unsupported_format');
    const opaque = await upload(team.editor, `${kits()}/${kit.id}/items`, await sharp(await room()).ensureAlpha().png().toBuffer(), 'sofa.png', { role: 'cutout' });
    expectApiError(opaque, 422, 'no_transparency');
    expectApiError(await upload(team.editor, `${kits()}/${kit.id}/items`, Buffer.from('not a picture at all'), 'sofa.png', { role: 'cutout' }), 422, 'not_an_image');
    expectApiError(await upload(team.editor, `${kits()}/${kit.id}/items`, (await cutoutPng()).subarray(0, 60), 'cut.png', { role: 'cutout' }), 422);
    expectApiError(await upload(team.editor, `${kits()}/${kit.id}/items`, await cutoutPng(), 'x.png', { role: 'wallpaper' }), 400);
    expectApiError(await upload(team.editor, `${kits()}/nosuchkit/items`, await cutoutPng(), 'x.png', { role: 'cutout' }), 404);
    // The library's opaque photo is a fine reference but no cut-out.
    expect((await api(server, 'POST', `${kits()}/${kit.id}/items`, { token: team.editor.token, body: { assetId: roomAssetId, role: 'reference' } })).status).toBe(201);
    expectApiError(await api(server, 'POST', `${kits()}/${kit.id}/items`, { token: team.editor.token, body: { assetId: roomAssetId, role: 'cutout' } }), 422, 'no_transparency');
    // The server keeps serving.
    expect((await api(server, 'GET', `${kits()}/${kit.id}`, { token: team.viewer.token })).body.items).toHaveLength(2);
  });

  it('cuts an outlined object out of a photo: transparent outside, opaque inside; says refinement is not available', async () => {
    const r = await api(server, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.editor.token, body: { assetId: roomAssetId, points: [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]], feather: 2 } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.refinement).toEqual({ available: false, applied: false, message: REFINEMENT_UNAVAILABLE });
    expect((await api(server, 'GET', kits(), { token: team.viewer.token })).body.refinement).toEqual({ available: false, message: REFINEMENT_UNAVAILABLE });
    const item: KitItemJson = r.body.item;
    expect(item).toMatchObject({ role: 'cutout', mime: 'image/png', sourceAssetId: roomAssetId });
    const px = await pixel(item.url, team.viewer.token, Math.round(item.width / 2), Math.round(item.height / 2));
    expect(px.value[3]).toBe(255);
    expect(px.at(0, 0)[3]).toBe(0);
    expectApiError(await api(server, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.editor.token, body: { assetId: roomAssetId, points: [[0.1, 0.1], [0.2, 0.2]] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.editor.token, body: { assetId: roomAssetId, points: [[0.1, 0.1], [2, 0.2], [0.3, 0.3]] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.viewer.token, body: { assetId: roomAssetId, points: [[0.1, 0.1], [0.5, 0.1], [0.3, 0.5]] } }), 403);
  });

  it('refines a loosely drawn cut-out where the operator configured a segmentation model (a hand-built ONNX model that calls red things the object)', async () => {
    const model = path.join(server.dataDir, 'segmenter.onnx');
    fs.writeFileSync(model, redObjectSegmenter());
    // A second web process on the same database and data, configured with the model.
    const refining = await startServer({ databaseUrl: database!.url, dataDir: server.dataDir, env: { CUTOUT_SEGMENTATION_MODEL: model } });
    try {
      const listed = (await api(refining, 'GET', kits(), { token: team.viewer.token })).body.refinement;
      expect(listed.available).toBe(true);
      expect(listed.message).toContain('segmenter.onnx');
      const photo = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 30, g: 40, b: 230 } } })
        .composite([{ input: await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 220, g: 30, b: 30 } } }).png().toBuffer(), left: 100, top: 100 }])
        .png()
        .toBuffer();
      const up = await upload(team.editor, `/api/projects/${team.projectId}/assets`, photo, 'red chair.png');
      const photoId = (await processed(server, team.editor, up.body.id)).id;
      const loose = [[0.2, 80 / 300], [0.55, 80 / 300], [0.55, 0.7], [0.2, 0.7]];
      const r = await api(refining, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.editor.token, body: { assetId: photoId, points: loose, feather: 1 } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.refinement).toMatchObject({ available: true, applied: true });
      // The crop starts 2 px outside the outline, at (78, 78): the block's middle is kept, the blue inside the outline dropped.
      const px = await pixel(r.body.item.url, team.viewer.token, 150 - 78, 140 - 78);
      expect(px.value[3]).toBeGreaterThan(240);
      expect(px.at(90 - 78, 90 - 78)[3]).toBeLessThan(15);
      const asDrawn = await api(refining, 'POST', `${kits()}/${kit.id}/cutouts`, { token: team.editor.token, body: { assetId: photoId, points: loose, feather: 1, refine: false } });
      expect(asDrawn.body.refinement).toMatchObject({ available: true, applied: false });
      expect((await pixel(asDrawn.body.item.url, team.viewer.token, 90 - 78, 90 - 78)).value[3]).toBe(255);
      for (const id of [r.body.item.id, asDrawn.body.item.id]) expect((await api(server, 'DELETE', `${kits()}/${kit.id}/items/${id}`, { token: team.editor.token })).status).toBe(204);
    } finally {
      await refining.stop();
    }
  });

  it('shares kits across the owner’s projects only', async () => {
    const second = await createProject(server, team.owner, 'Second listing');
    expect((await api(server, 'GET', kits(second), { token: team.owner.token })).body.kits.map((k: DesignKitJson) => k.id)).toEqual([kit.id]);
    const stranger = await signup(server, uniqueName('stager'));
    const theirs = await createProject(server, stranger, 'Elsewhere');
    expect((await api(server, 'GET', kits(theirs), { token: stranger.token })).body.kits).toEqual([]);
    expectApiError(await api(server, 'GET', `${kits(theirs)}/${kit.id}`, { token: stranger.token }), 404);
    expect((await fetch(`${server.url}${kits(theirs)}/${kit.id}/items/${cutout.id}/file`, { headers: { authorization: `Bearer ${stranger.token}` } })).status).toBe(404);
  });

  it('renders the staging board: the cut-out where it was placed, the mark, and the photo points at the staged copy', async () => {
    const client = connectClient(server.wsUrl, team.projectId, team.editor.token);
    await client.synced;
    const project = new ProjectDoc(client.doc);
    project.transact(SERVER_ORIGIN, () => {
      const add = br.addPhotos(project.brief.snapshot(), { assetIds: [roomAssetId], assets: { [roomAssetId]: { kind: 'image' } } });
      if (!add.ok) throw new Error(add.reason);
      project.brief.apply(add.changes);
    });
    const photoId = project.brief.snapshot().photos[0].id;
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/brief/photos/${photoId}/staging/render`, { token: team.editor.token }), 409, 'board_empty');
    project.transact(SERVER_ORIGIN, () => {
      // 80 px wide (the cut-out's own size) centred at (100, 120): red from x 70 to 130, y 100 to 140.
      const r = st.addPlacement(project.brief.staging(), { photoId, cutoutId: cutout.id, x: 100 / 320, y: 0.5, width: 0.25 });
      if (!r.ok) throw new Error(r.reason);
      project.brief.applyStaging(r.changes);
    });
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.owner.token })).body.photos.length === 1, 'the brief reaches the server');
    await new Promise((r) => setTimeout(r, 300));
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/brief/photos/${photoId}/staging/render`, { token: team.viewer.token }), 403);
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/brief/photos/nosuchphoto/staging/render`, { token: team.editor.token }), 404);
    const balance = async () => (await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.owner.token })).body;
    const before = (await balance()).balance;
    const started = await api<JobJson>(server, 'POST', `/api/projects/${team.projectId}/brief/photos/${photoId}/staging/render`, { token: team.editor.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const job = await finished(started.body.id);
    // One staged photo is one credit, charged to the owner's account.
    const after = await balance();
    expect(after.balance).toBe(before - 1);
    expect(after.entries[0]).toMatchObject({ kind: 'charge', amount: -1, jobId: job.id, jobType: 'staging.render' });
    expect(job.error).toBeNull();
    const result = job.result as StagingResult;
    const asset = await processed(server, team.viewer, result.assetId);
    expect(asset).toMatchObject({ kind: 'image', width: 320, height: 240, mime: 'image/jpeg' });
    const px = await pixel(`/api/assets/${asset.id}/file`, team.viewer.token, 100, 120);
    expect(px.value[0]).toBeGreaterThan(190);
    expect(px.value[1]).toBeLessThan(60);
    expect(Math.abs(px.at(200, 60)[0] - 128)).toBeLessThan(12);
    // The mark: a dark plate in the bottom-right corner.
    expect(px.at(300, 225)[0]).toBeLessThan(70);
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body.photos[0].stagedAssetId === asset.id, 'the brief photo points at the staged copy');
    await waitFor(() => project.brief.snapshot().photos[0].stagedAssetId === asset.id, 'the editor sees the staged copy live');
    // The original is untouched.
    expect(project.brief.snapshot().photos[0].assetId).toBe(roomAssetId);
    client.destroy();
  });

  it('stages with a configured provider (stub), and the result still carries the mark', async () => {
    const photoId = (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.owner.token })).body.photos[0].id;
    const url = `/api/projects/${team.projectId}/brief/photos/${photoId}/staging/provider`;
    expect((await api(server, 'GET', url, { token: team.viewer.token })).body).toEqual({ configured: false });
    const refused = await api(server, 'POST', url, { token: team.editor.token, body: {} });
    expectApiError(refused, 409, 'staging_provider_not_configured');
    expect(refused.body.error.message).toBe(STAGING_PROVIDER_NOT_CONFIGURED);
    expect((await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'staging' } })).body.ok).toBe(false);

    const put = await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { staging: { baseUrl: stub.baseUrl, model: stub.model, apiKey: stub.key } } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.staging).toEqual({ baseUrl: stub.baseUrl, model: stub.model, hasKey: true, configured: true });
    expect(JSON.stringify(put.body)).not.toContain(stub.key);
    expect((await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'staging' } })).body).toMatchObject({ ok: true, models: [stub.model] });
    expectApiError(await api(server, 'POST', url, { token: team.editor.token, body: { prompt: 7 } }), 400, 'invalid_input');

    const started = await api<JobJson>(server, 'POST', url, { token: team.editor.token, body: { prompt: 'Mid-century living room' } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(JSON.stringify(started.body)).not.toContain(stub.key);
    const job = await finished(started.body.id);
    expect(job.error).toBeNull();
    const edit = stub.requests.find((r) => r.path === '/v1/images/edits');
    expect(edit).toMatchObject({ method: 'POST', authorization: `Bearer ${stub.key}`, form: { model: stub.model, prompt: 'Mid-century living room' }, image: { width: 320, height: 240 } });
    const asset = await processed(server, team.viewer, (job.result as StagingResult).assetId);
    const px = await pixel(`/api/assets/${asset.id}/file`, team.viewer.token, 20, 20);
    // The stub's green, with the dark mark plate bottom right.
    expect(px.value[1]).toBeGreaterThan(150);
    expect(px.at(300, 225)[1]).toBeLessThan(80);
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body.photos[0].stagedAssetId === asset.id, 'the photo points at the provider’s staged copy');
  });
});
