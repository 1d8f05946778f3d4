import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import type { GeneratorStatusJson } from '$lib/generator';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startMusicGenStub, type MusicGenStub } from '../helpers/musicgen-stub';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The project's music provider through the real server and a real worker; the MusicGen server is a protocol-faithful stub.
const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

describe.each(KINDS)('music provider on %s', (kind) => {
  let database: TestDatabase;
  let server: RunningServer;
  let stub: MusicGenStub;
  let team: Team;
  const providers = () => `/api/projects/${team.projectId}/providers`;
  const put = (body: unknown, token = team.editor.token) => api(server, 'PUT', providers(), { token, body });
  const test = () => api(server, 'POST', `${providers()}/test`, { token: team.editor.token, body: { kind: 'music' } });

  beforeAll(async () => {
    stub = await startMusicGenStub();
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', GENERATOR_TICK_SECONDS: '1' } });
    team = await createTeam(server, `Music ${kind}`);
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    await stub?.close();
  });

  it('uses the procedural generator until a server is set, and its test renders music', async () => {
    const view = await api(server, 'GET', providers(), { token: team.viewer.token });
    expect(view.body.music).toEqual({ engine: 'procedural', baseUrl: null, model: null, hasKey: false });
    const r = await test();
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.message).toMatch(/procedural generator rendered 10 s of music .*× real time/);
  });

  it('refuses bad music settings with a 400 that says what is wrong', async () => {
    expect((await put({ music: { engine: 'http' } })).body.error.message).toMatch(/needs the MusicGen server’s baseUrl/);
    expectApiError(await put({ music: { engine: 'ai' } }), 400, 'invalid_input');
    expectApiError(await put({ music: { engine: 'http', baseUrl: 'ftp://musicgen.lan' } }), 400, 'invalid_input');
    expectApiError(await put({ music: { engine: 'http', baseUrl: 'http://user:pw@musicgen.lan' } }), 400, 'invalid_input');
    expectApiError(await put({ music: { engine: 'procedural', extra: 1 } }), 400, 'invalid_input');
    expectApiError(await put({ music: { engine: 'procedural' } }, team.viewer.token), 403);
    expectApiError(await api(server, 'POST', `${providers()}/test`, { token: team.editor.token, body: { kind: 'image' } }), 400, 'invalid_input');
    expect((await api(server, 'GET', providers(), { token: team.owner.token })).body.music.engine).toBe('procedural');
  });

  it('tests a MusicGen server with the saved key, never showing the key', async () => {
    const saved = await put({ music: { engine: 'http', baseUrl: `${stub.baseUrl}/`, model: 'musicgen-small', apiKey: stub.key } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.music).toEqual({ engine: 'http', baseUrl: stub.baseUrl, model: 'musicgen-small', hasKey: true });
    expect(JSON.stringify(saved.body)).not.toContain(stub.key);
    const ok = await test();
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.message).toMatch(/made 2\.0 s of audio/);
    expect(stub.requests.at(-1)).toMatchObject({ path: '/generate', authorization: `Bearer ${stub.key}`, body: { duration: 2, model: 'musicgen-small' } });
    await put({ music: { engine: 'http', baseUrl: stub.baseUrl, apiKey: 'not-the-key' } });
    const refused = await test();
    expect(refused.body.ok).toBe(false);
    expect(refused.body.message).toMatch(/401/);
    await put({ music: { engine: 'http', baseUrl: stub.baseUrl, model: 'musicgen-small', apiKey: stub.key } });
  });

  it('a channel generator makes its chunks on the MusicGen server when one is set', async () => {
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'MusicGen FM' } });
    const channelId = created.body.id;
    const before = stub.requests.length;
    // Healthy above 3.6 s: one 10-second chunk fills it.
    const enabled = await api(server, 'PATCH', `/api/channels/${channelId}/generator`, {
      token: team.editor.token,
      body: { enabled: true, prompts: ['indian lofi, sitar, tabla'], chunkSeconds: 10, parallel: 1, thresholds: { healthy: 0.001, warning: 0.0008, critical: 0.0005, emergency: 0.0002 } }
    });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body.generator.engine).toBe('http');
    let g: GeneratorStatusJson | undefined;
    await waitFor(
      async () => {
        g = (await api(server, 'GET', `/api/channels/${channelId}/generator`, { token: team.owner.token })).body.generator;
        return g!.state === 'HEALTHY';
      },
      'a chunk from the MusicGen server',
      120_000
    );
    expect(g!.lastError).toBeNull();
    const request = stub.requests.slice(before).find((r) => r.path === '/generate')!;
    expect(request).toMatchObject({ authorization: `Bearer ${stub.key}`, body: { prompt: 'indian lofi, sitar, tabla', duration: 10, model: 'musicgen-small' } });
    const listed = (await api(server, 'GET', `/api/projects/${team.projectId}/assets`, { token: team.owner.token })).body;
    const assets = listed.assets as AssetJson[];
    const made = assets.find((a) => a.title === 'MusicGen FM – generated 1')!;
    expect(made.description).toBe('Made by a MusicGen / AudioCraft server from the prompt “indian lofi, sitar, tabla”.');
    expect(made).toMatchObject({ status: 'approved', processing: { state: 'ready' } });
    expect(made.duration).toBeCloseTo(10, 0);
    expect(made.variants.map((v) => v.name)).toContain('broadcast');
  });
});
