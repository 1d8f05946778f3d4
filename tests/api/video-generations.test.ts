import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvidersView } from '$lib/ai';
import type { AssetJson } from '$lib/asset';
import type { ProjectCreditsJson } from '$lib/credits';
import type { JobJson } from '$lib/job';
import { VIDEO_NOT_CONFIGURED, type VideoGenerationResult } from '$lib/video-generation';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { ffmpeg, ffprobe, picture, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { processed, uploadProcessed } from '../helpers/studio';
import { startVideoStub, STUB_VIDEO_FAILURE, type VideoStub } from '../helpers/video-stub';
import { waitFor } from '../helpers/yclient';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// Video generation through the whole system: the API queues an ai.video job, a real worker drives a protocol-faithful
// stub of OpenAI's videos API (create, poll, download), and the MP4 becomes an asset; credits per second asked for.
let server: RunningServer;
let team: Team;
let stub: VideoStub;
let dir: string;

const generate = (body: unknown, token = team.editor.token) => api(server, 'POST', `/api/projects/${team.projectId}/video-generations`, { token, body });
const balance = async () => (await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.owner.token })).body;
const configure = (video: unknown) => api<ProvidersView>(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { video } });

async function finished(id: string): Promise<JobJson> {
  let job: JobJson | undefined;
  await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${id}`, { token: team.owner.token })).body).status), 'ai.video finishes', 120_000);
  return job!;
}

/** The asset's file fetched by its signed URL, measured by ffprobe. */
async function probeAsset(asset: AssetJson) {
  const file = path.join(dir, `${asset.id}.mp4`);
  fs.writeFileSync(file, Buffer.from(await (await fetch(`${server.url}${asset.url}`)).arrayBuffer()));
  const p = await ffprobe(file);
  return { duration: Number(p.format.duration), video: p.streams.find((s) => s.codec_type === 'video') };
}

describe.each(KINDS)('video generation on %s (video API stub)', (kind) => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    stub = await startVideoStub();
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', CREDITS_START: '100' } });
    team = await createTeam(server, 'Video generation');
    dir = await tempDir('airstudio-videogen-');
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    await stub?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says video generation needs a configured server until one is set', async () => {
    const view = (await api<ProvidersView>(server, 'GET', `/api/projects/${team.projectId}/providers`, { token: team.viewer.token })).body;
    expect(view.video).toEqual({ kind: 'openai-videos', baseUrl: null, model: null, hasKey: false, configured: false });
    const r = await generate({ prompt: 'A lighthouse at dusk', seconds: 2 });
    expectApiError(r, 409, 'video_generation_not_configured');
    expect(r.body.error.message).toBe(VIDEO_NOT_CONFIGURED);
    const tried = await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'video' } });
    expect(tried.body).toEqual({ ok: false, message: 'No video generation server is set: give a base URL and a model.' });
    // Nothing was charged for a refusal.
    expect((await balance()).balance).toBe(100);
  });

  it('saves the server with its key kept secret, and tests the connection by listing models', async () => {
    const put = await configure({ baseUrl: `${stub.baseUrl}/`, model: stub.model, apiKey: stub.key });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.video).toEqual({ kind: 'openai-videos', baseUrl: stub.baseUrl, model: stub.model, hasKey: true, configured: true });
    expect(JSON.stringify(put.body)).not.toContain(stub.key);
    const ok = await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'video' } });
    expect(ok.body).toMatchObject({ ok: true, models: [stub.model] });
    expect(stub.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', authorization: `Bearer ${stub.key}` });

    await configure({ baseUrl: stub.baseUrl, model: 'no-such-video-model' });
    const missing = await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.editor.token, body: { kind: 'video' } });
    expect(missing.body.ok).toBe(false);
    expect(missing.body.message).toContain('has no model "no-such-video-model"');
    // The key stays when a save leaves it out.
    expect((await configure({ baseUrl: stub.baseUrl, model: stub.model })).body.video.hasKey).toBe(true);
  });

  it('makes a text-to-video asset: polled to completion, ffprobe-valid at the asked length and size, charged per second', async () => {
    const before = (await balance()).balance;
    const started = await generate({ prompt: 'A lighthouse at dusk, waves rolling in', seconds: 3, size: '768x512' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ type: 'ai.video', status: 'queued', input: { prompt: 'A lighthouse at dusk, waves rolling in', seconds: 3, size: '768x512', imageAssetId: null, model: stub.model } });
    // The server's key is handed to the worker per attempt, never kept in the job members can read.
    expect(JSON.stringify(started.body)).not.toContain(stub.key);
    // 10 credits a minute, 3 s: one credit, rounded up.
    expect((await balance()).balance).toBe(before - 1);

    const job = await finished(started.body.id);
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(JSON.stringify(job)).not.toContain(stub.key);
    const result = job.result as VideoGenerationResult;
    const create = stub.requests.find((r) => r.method === 'POST' && r.path === '/v1/videos');
    expect(create).toMatchObject({ authorization: `Bearer ${stub.key}`, form: { model: stub.model, prompt: 'A lighthouse at dusk, waves rolling in', seconds: '3', size: '768x512' }, reference: null });
    // Polled until completed (queued → in_progress → completed), then downloaded.
    expect(stub.requests.filter((r) => r.path === `/v1/videos/${result.serverVideoId}`).length).toBeGreaterThanOrEqual(2);
    expect(stub.requests.filter((r) => r.path === `/v1/videos/${result.serverVideoId}/content`)).toHaveLength(1);

    const asset = await processed(server, team.viewer, result.assetId);
    expect(asset).toMatchObject({ projectId: team.projectId, kind: 'video', mime: 'video/mp4', status: 'approved', category: 'Generated', width: 768, height: 512 });
    expect(asset.title).toBe('Generated: A lighthouse at dusk, waves rolling in');
    expect(asset.description).toContain(stub.model);
    expect(asset.duration).toBeCloseTo(3, 1);
    const probe = await probeAsset(asset);
    expect(probe.duration).toBeCloseTo(3, 1);
    expect(probe.video).toMatchObject({ codec_name: 'h264', width: 768, height: 512 });
  });

  it('makes an image-to-video asset: the image goes to the server as input_reference at the video size', async () => {
    const still = path.join(dir, 'still.png');
    await ffmpeg(...picture(1, '640x480'), '-frames:v', '1', still);
    const image = await uploadProcessed(server, team.projectId, team.editor, still);
    const started = await generate({ prompt: 'Slow push in on the room', seconds: 2, size: '512x768', imageAssetId: image.id });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const job = await finished(started.body.id);
    expect(job.error).toBeNull();
    const create = stub.requests.filter((r) => r.method === 'POST' && r.path === '/v1/videos').at(-1)!;
    expect(create.form).toMatchObject({ prompt: 'Slow push in on the room', seconds: '2', size: '512x768' });
    expect(create.reference).toMatchObject({ name: 'reference.png', type: 'image/png', png: { width: 512, height: 768 } });
    const asset = await processed(server, team.viewer, (job.result as VideoGenerationResult).assetId);
    expect(asset.description).toContain('still');
    const probe = await probeAsset(asset);
    expect(probe.duration).toBeCloseTo(2, 1);
    expect(probe.video).toMatchObject({ width: 512, height: 768 });
  });

  it('fails the job with the server’s own message when the server fails the video, and refunds the credits', async () => {
    const before = (await balance()).balance;
    const started = await generate({ prompt: 'Something the server will not make [fail]', seconds: 12 });
    expect(started.status).toBe(202);
    // 12 s at 10 a minute: 2 credits.
    expect((await balance()).balance).toBe(before - 2);
    const job = await finished(started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(`The video server could not make the video: ${STUB_VIDEO_FAILURE.message}`);
    // Failed for good at once (the server's refusal is not retried), and paid back exactly once.
    expect(job.attempts).toBe(1);
    let credits: ProjectCreditsJson | undefined;
    await waitFor(async () => (credits = await balance()).balance === before, 'the refund', 10_000);
    expect(credits!.entries.filter((e) => e.jobId === started.body.id).map((e) => [e.kind, e.amount])).toEqual([
      ['refund', 2],
      ['charge', -2]
    ]);
  });

  it('refuses content that is not a video (ffprobe) and refunds it, rather than adding a broken asset', async () => {
    const before = (await balance()).balance;
    const started = await generate({ prompt: 'A broken server answers [garbage]', seconds: 2 });
    expect(started.status).toBe(202);
    const job = await finished(started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^The video server's content is not a video ffprobe can read/);
    expect(job.attempts).toBe(1);
    await waitFor(async () => (await balance()).balance === before, 'the refund', 10_000);
    const generated = (await api<{ assets: AssetJson[] }>(server, 'GET', `/api/projects/${team.projectId}/assets?tag=generated`, { token: team.owner.token })).body.assets;
    // The two videos made above are there; the broken one is not.
    expect(generated.length).toBe(2);
    expect(generated.map((a) => a.title)).not.toContain('Generated: A broken server answers [garbage]');
  });

  it('sends a hostile prompt as plain text, and refuses bad input with 4xx while it keeps serving', async () => {
    const hostile = `"; rm -rf / <script>alert(1)</script> $(reboot) ' OR 1=1 --`;
    const started = await generate({ prompt: hostile, seconds: 1, size: '768x512' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const job = await finished(started.body.id);
    expect(job.error).toBeNull();
    expect(stub.requests.filter((r) => r.method === 'POST' && r.path === '/v1/videos').at(-1)!.form!.prompt).toBe(hostile);

    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/video-generations`, { token: team.editor.token, raw: '{"prompt":' }), 400);
    for (const body of [{}, { prompt: '   ' }, { prompt: 'x'.repeat(4001) }, { prompt: 'ok', seconds: 0 }, { prompt: 'ok', seconds: 21 }, { prompt: 'ok', seconds: 2.5 }, { prompt: 'ok', seconds: '4' }, { prompt: 'ok', size: '99x99' }, { prompt: 'ok', style: 'noir' }, { prompt: 'ok', imageAssetId: '../../etc/passwd' }]) {
      expectApiError(await generate(body), 400, 'invalid_input');
    }
    expectApiError(await generate({ prompt: 'ok', imageAssetId: 'nosuchasset' }), 404);
    const tone = path.join(dir, 'tone.wav');
    await ffmpeg(...sine(1), tone);
    const audio = await uploadProcessed(server, team.projectId, team.editor, tone);
    expectApiError(await generate({ prompt: 'ok', imageAssetId: audio.id }), 422, 'not_an_image');
    expectApiError(await generate({ prompt: 'ok' }, team.viewer.token), 403);
    const outsider = await createTeam(server, 'Elsewhere');
    expectApiError(await generate({ prompt: 'ok' }, outsider.owner.token), 404);
    // An image of another project cannot be borrowed.
    const elsewhere = path.join(dir, 'elsewhere.png');
    await ffmpeg(...picture(1, '320x240'), '-frames:v', '1', elsewhere);
    const foreign = await uploadProcessed(server, outsider.projectId, outsider.editor, elsewhere);
    expectApiError(await generate({ prompt: 'ok', imageAssetId: foreign.id }), 404);

    expectApiError(await configure({ baseUrl: stub.baseUrl, model: null }), 400, 'invalid_input');
    expectApiError(await configure({ baseUrl: 'ftp://example.com/v1', model: 'm' }), 400, 'invalid_input');
    expectApiError(await configure({ baseUrl: 'http://user:pw@example.com/v1', model: 'm' }), 400, 'invalid_input');
    expectApiError(await configure({ baseUrl: stub.baseUrl, model: 'm', kind: 'runway' }), 400, 'invalid_input');
    expectApiError(await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.viewer.token, body: { video: { baseUrl: null, model: null } } }), 403);
    expect((await api(server, 'GET', '/health')).status).toBe(200);

    // Turning the server off brings the clear refusal back, and drops the key with the URL.
    const off = await configure({ baseUrl: null, model: null });
    expect(off.body.video).toEqual({ kind: 'openai-videos', baseUrl: null, model: null, hasKey: false, configured: false });
    expectApiError(await generate({ prompt: 'ok' }), 409, 'video_generation_not_configured');
  });
});
