import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import type { BriefJson } from '$lib/brief/brief-json';
import type { JobJson } from '$lib/job';
import type { PhotoAnalyzeResult, PhotoEnhanceResult } from '$lib/photo-analysis';
import * as br from '$lib/editor/model/brief/operations';
import { newBriefPhoto, resolveTag } from '$lib/editor/model/brief/photo';
import type { BriefOperationResult } from '$lib/editor/model/brief/operations';
import type { BriefSnapshot } from '$lib/editor/model/brief/snapshot';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { api, createProject, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);
const SLOW_MS = 240_000;

// The studio's "Analyze photos" end to end: the built server, a real worker running photo.analyze, a headless
// y-websocket client as the editor. Analysis writes the detected room live; a person's room wins and survives a
// re-analysis; a photo that cannot be analysed lands in `failed` with a message (a truncated JPEG or a
// file that is no image: tests/photo/photo-analysis.test.ts; the library refuses to take a truncated JPEG at all).
describe.each(KINDS)('photo analysis into the brief on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let team: Team;
  let dir: string;
  let client: YClient;
  let yard: AssetJson;

  const brief = () => new ProjectDoc(client.doc).brief.snapshot();
  const edit = (op: (s: BriefSnapshot) => BriefOperationResult) =>
    new ProjectDoc(client.doc).transact(userOrigin(team.editor.id), (pd) => {
      const r = op(pd.brief.snapshot());
      if (!r.ok) throw new Error(r.reason);
      pd.brief.apply(r.changes);
    });
  const photoOf = (assetId: string) => brief().photos.find((p) => p.assetId === assetId)!;

  async function analysed(photoIds?: string[]): Promise<JobJson & { result: PhotoAnalyzeResult }> {
    const started = await api<{ jobs: JobJson[] }>(server, 'POST', `/api/projects/${team.projectId}/brief/analyze`, { token: team.editor.token, body: photoIds ? { photoIds } : {} });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.jobs).toHaveLength(1);
    let job: JobJson | undefined;
    await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${started.body.jobs[0]!.id}`, { token: team.editor.token })).body).status), 'photo.analyze finishes', 180_000);
    expect(job!.error).toBeNull();
    return job as JobJson & { result: PhotoAnalyzeResult };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1' } });
    team = await createTeam(server, 'Listing');
    dir = await tempDir('photo-analysis-api-');
    // A back garden as colour: blue sky over the top third, a lawn below (the analysis reads exterior, backyard).
    const w = 480, h = 320;
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(y < h / 3 ? [115, 165, 235] : [50 + ((x * 31 + y * 17) % 40), 125 + ((x * 7) % 30), 45], (y * w + x) * 3);
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(path.join(dir, 'yard.jpg'));
    yard = await uploadProcessed(server, team.projectId, team.editor, path.join(dir, 'yard.jpg'));
    client = connectClient(server.wsUrl, team.projectId, team.editor.token);
    await client.synced;
    edit((s) => br.addPhotos(s, { assetIds: [yard.id], assets: { [yard.id]: { kind: 'image' } } }));
    // A photo naming an image that is not in the library (as another client's stale state could).
    edit((s) => ({ ok: true, changes: [{ op: 'insert', kind: 'photo', record: newBriefPhoto({ assetId: 'nosuchimage1', order: 'z9' }) }], created: [] }));
  }, SLOW_MS);
  afterAll(async () => {
    client?.destroy();
    await server?.destroy();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes score, reasons, focus and the detected room into the brief live; a photo without an image is listed as failed', async () => {
    const job = await analysed();
    expect(job.result.photos.map((p) => p.assetId)).toEqual([yard.id]);
    const failed = new Map(job.result.failed.map((f) => [f.assetId, f.error]));
    expect(failed.get('nosuchimage1')).toMatch(/No image with that id/);
    await waitFor(() => photoOf(yard.id).quality !== null, 'the editor sees the score');
    const photo = photoOf(yard.id);
    expect(photo.quality!.score).toBe(job.result.photos[0]!.quality.score);
    expect(photo.quality!.reasons).toContain('Low resolution: 0.15 MP (under 2 MP)');
    expect(photo.setting.detected?.value).toBe('exterior');
    expect(photo.room.detected?.value).toBe('backyard');
    expect(photo.room.detected!.confidence).toBeGreaterThan(0);
    expect(photo.focus).not.toBeNull();
    expect(photoOf('nosuchimage1').quality).toBeNull();
    // The read API gives the same analysis.
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body.photos.some((p) => p.focus !== null), 'the brief API has the focus');
    const listed = (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body.photos.find((p) => p.assetId === yard.id)!;
    expect(listed.focus).toEqual(photo.focus);
    expect(listed.quality?.score).toBe(photo.quality!.score);
  }, SLOW_MS);

  it('a person’s room wins over the detector and survives a re-analysis; the detector’s own guess is renewed', async () => {
    const id = photoOf(yard.id).id;
    edit((s) => br.setRoom(s, { photoIds: [id], room: 'pool' }));
    // A stale guess, so the re-analysis is seen replacing it.
    edit((s) => br.detectRoom(s, { photoId: id, room: 'kitchen', confidence: 0.1 }));
    const job = await analysed([id]);
    expect(job.result.photos).toHaveLength(1);
    await waitFor(() => photoOf(yard.id).room.detected?.value === 'backyard', 'the renewed guess');
    const photo = photoOf(yard.id);
    expect(photo.room.person).toBe('pool');
    expect(resolveTag(photo.room)).toEqual({ value: 'pool', source: 'person', confidence: 1 });
  }, SLOW_MS);

  it('Enhance adds a corrected copy to the library, keeps the original and links the copy from the brief', async () => {
    const id = photoOf(yard.id).id;
    const started = await api<{ jobs: JobJson[] }>(server, 'POST', `/api/projects/${team.projectId}/brief/enhance`, { token: team.editor.token, body: { photoIds: [id] } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    let job: JobJson | undefined;
    await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${started.body.jobs[0]!.id}`, { token: team.editor.token })).body).status), 'photo.enhance finishes', 180_000);
    expect(job!.error).toBeNull();
    const result = job!.result as PhotoEnhanceResult;
    // 480×320 is 0.15 MP: upscaled 2× by ESRGAN.
    expect(result).toMatchObject({ sourceAssetId: yard.id, width: 960, height: 640 });
    expect(result.steps.some((s) => s.startsWith('Upscaled 2× by ESRGAN'))).toBe(true);
    await waitFor(() => photoOf(yard.id).enhancedAssetId === result.assetId, 'the brief links the copy');
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body.photos.find((p) => p.assetId === yard.id)?.enhancedAssetId === result.assetId, 'the brief API links the copy');
    expect(photoOf(yard.id).assetId).toBe(yard.id);
    const copy = (await api<AssetJson>(server, 'GET', `/api/assets/${result.assetId}`, { token: team.editor.token })).body;
    expect(copy).toMatchObject({ kind: 'image', width: 960, height: 640 });
    expect((await api(server, 'GET', `/api/assets/${yard.id}`, { token: team.editor.token })).status).toBe(200);
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/brief/enhance`, { token: team.editor.token, body: { photoIds: [photoOf('nosuchimage1').id] } }), 422, 'photo_not_ready');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/brief/enhance`, { token: team.editor.token, body: {} }), 400);
  }, SLOW_MS);

  it('refuses bad requests with a 4xx and keeps serving', async () => {
    const url = `/api/projects/${team.projectId}/brief/analyze`;
    expectApiError(await api(server, 'POST', url, { token: team.editor.token, raw: '{"photoIds": [' }), 400, 'invalid_json');
    expectApiError(await api(server, 'POST', url, { token: team.editor.token, body: { photoIds: 'all' } }), 400);
    expectApiError(await api(server, 'POST', url, { token: team.editor.token, body: { photoIds: [] } }), 400);
    expectApiError(await api(server, 'POST', url, { token: team.editor.token, body: { photoIds: ['nosuchphoto'] } }), 404, 'photo_not_found');
    expectApiError(await api(server, 'POST', url, { token: team.viewer.token, body: {} }), 403);
    expectApiError(await api(server, 'POST', url, { token: team.outsider.token, body: {} }), 404);
    const emptyProject = await createProject(server, team.owner, 'Empty listing');
    expectApiError(await api(server, 'POST', `/api/projects/${emptyProject}/brief/analyze`, { token: team.owner.token, body: {} }), 422, 'no_photos');
    expect((await api(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).status).toBe(200);
  }, SLOW_MS);
});
