import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { freePort, startServer, type RunningServer } from '../helpers/server';
import { startOpenAiStub, type OpenAiStub } from '../helpers/openai-stub';
import { probeMedia } from '../../workers/media/probe';

// AI provider settings through the real server; the language model is a protocol-faithful OpenAI-compatible stub.
const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

describe.each(KINDS)('AI providers API on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let stub: OpenAiStub;
  let team: Team;
  const providers = () => `/api/projects/${team.projectId}/providers`;
  const put = (token: string, body: unknown) => api(server, 'PUT', providers(), { token, body });
  const test = (token: string, k: 'llm' | 'tts') => api(server, 'POST', `${providers()}/test`, { token, body: { kind: k } });

  beforeAll(async () => {
    stub = await startOpenAiStub();
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    server = await startServer({ databaseUrl: database?.url });
    team = await createTeam(server, `Providers ${kind}`);
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    await stub?.close();
  });

  it('says no language model is configured until one is set, and round-trips settings without ever returning the key', async () => {
    const empty = await api(server, 'GET', providers(), { token: team.viewer.token });
    expect(empty.status).toBe(200);
    expect(empty.body.llm).toMatchObject({ baseUrl: null, model: null, hasKey: false, source: 'none' });
    expect(empty.body.tts).toMatchObject({ engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 });
    const none = await test(team.owner.token, 'llm');
    expect(none.body).toMatchObject({ ok: false });
    expect(none.body.message).toMatch(/No language model is configured/);

    const saved = await put(team.editor.token, { llm: { baseUrl: stub.baseUrl + '/', model: 'stub-chat-1', apiKey: stub.key }, tts: { engine: 'espeak-ng', voice: 'de', rate: 1.25, pitch: -2 } });
    expect(saved.status).toBe(200);
    expect(saved.body.llm).toMatchObject({ baseUrl: stub.baseUrl, model: 'stub-chat-1', hasKey: true, source: 'project' });
    expect(saved.body.tts).toMatchObject({ engine: 'espeak-ng', voice: 'de', rate: 1.25, pitch: -2, hasKey: false });
    const read = await api(server, 'GET', providers(), { token: team.viewer.token });
    expect(read.body).toEqual(saved.body);
    for (const answer of [saved, read]) expect(JSON.stringify(answer.body)).not.toContain(stub.key);

    // Leaving the key out keeps it; null removes it.
    const renamed = await put(team.owner.token, { llm: { model: 'stub-tts-1' } });
    expect(renamed.body.llm).toMatchObject({ model: 'stub-tts-1', hasKey: true });
    const cleared = await put(team.owner.token, { llm: { model: 'stub-chat-1', apiKey: null } });
    expect(cleared.body.llm.hasKey).toBe(false);
    await put(team.owner.token, { llm: { apiKey: stub.key } });
  });

  it('keeps API keys encrypted at rest, readable again after a restart', async () => {
    const stored = await storedKey(kind, database?.url ?? `sqlite:${path.join(server.dataDir, 'airstudio.db')}`, team.projectId);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(stub.key);
    await server.stop();
    server = await server.restart();
    expect((await api(server, 'GET', providers(), { token: team.owner.token })).body.llm.hasKey).toBe(true);
    expect((await test(team.owner.token, 'llm')).body.ok).toBe(true);
  });

  it('tests the connection: ok against the stub, plain failures for a closed port, a refused key and a missing model', async () => {
    const ok = await test(team.owner.token, 'llm');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, models: stub.models });
    expect(ok.body.message).toMatch(/stub-chat-1/);
    // The stub saw our key as a bearer token: what a real service checks.
    expect(stub.requests.some((r) => r.path === '/v1/chat/completions' && r.authorization === `Bearer ${stub.key}`)).toBe(true);

    await put(team.owner.token, { llm: { model: 'no-such-model' } });
    const missing = await test(team.owner.token, 'llm');
    expect(missing.body.ok).toBe(false);
    expect(missing.body.message).toMatch(/no model "no-such-model"/);

    await put(team.owner.token, { llm: { model: 'stub-chat-1', apiKey: 'sk-wrong' } });
    const refused = await test(team.owner.token, 'llm');
    expect(refused.body.ok).toBe(false);
    expect(refused.body.message).toMatch(/refused the API key \(401\)/);

    const closed = `http://127.0.0.1:${await freePort()}/v1`;
    await put(team.owner.token, { llm: { baseUrl: closed, apiKey: stub.key } });
    const unreachable = await test(team.owner.token, 'llm');
    expect(unreachable.body.ok).toBe(false);
    expect(unreachable.body.message).toMatch(/cannot be reached \(ECONNREFUSED\)/);
    await put(team.owner.token, { llm: { baseUrl: stub.baseUrl } });
  });

  it('voices a preview with the built-in engine and through an OpenAI-compatible speech service', async () => {
    await put(team.owner.token, { tts: { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 } });
    const r = await fetch(`${server.url}/api/projects/${team.projectId}/tts/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${team.editor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Good morning, this is the breakfast show.' })
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('audio/wav');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-preview-test-')), 'p.wav');
    fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
    const probe = await probeMedia(file);
    expect(probe.audio?.sampleRate).toBe(48_000);
    expect(probe.duration).toBeGreaterThan(1);
    expect(probe.duration).toBeLessThan(6);
    expect(Number(r.headers.get('x-duration-seconds'))).toBeCloseTo(probe.duration!, 1);

    expectApiError(await put(team.owner.token, { tts: { engine: 'openai', voice: 'alloy', rate: 1, pitch: 0 } }), 400, 'invalid_input');
    const service = await put(team.owner.token, { tts: { engine: 'openai', voice: 'alloy', rate: 1, pitch: 0, baseUrl: stub.baseUrl, model: 'stub-tts-1', apiKey: stub.key } });
    expect(service.body.tts).toMatchObject({ engine: 'openai', baseUrl: stub.baseUrl, model: 'stub-tts-1', hasKey: true });
    expect(JSON.stringify(service.body)).not.toContain(stub.key);
    const tts = await test(team.owner.token, 'tts');
    expect(tts.body).toMatchObject({ ok: true });
    const sent = stub.requests.filter((q) => q.path === '/v1/audio/speech').at(-1);
    expect(sent).toMatchObject({ authorization: `Bearer ${stub.key}`, body: { model: 'stub-tts-1', voice: 'alloy', input: 'A short test of this voice.' } });
  });

  it('rate-limits voice previews per user with a 429 that says when to come back', async () => {
    await put(team.owner.token, { tts: { engine: 'espeak-ng', voice: 'en', rate: 1, pitch: 0 } });
    const preview = () => api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: team.owner.token, body: { text: 'Hi.' } });
    for (let i = 0; i < 10; i++) expect((await preview()).status).toBe(200);
    const refused = await preview();
    expectApiError(refused, 429, 'too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user's previews are counted on their own.
    expect((await api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: team.editor.token, body: { text: 'Hi.' } })).status).toBe(200);
  });

  it('lets owners and editors change and try providers; viewers only read; outsiders see nothing', async () => {
    expectApiError(await put(team.viewer.token, { llm: { model: 'x' } }), 403, 'forbidden');
    expectApiError(await test(team.viewer.token, 'llm'), 403, 'forbidden');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: team.viewer.token, body: { text: 'hi' } }), 403, 'forbidden');
    expectApiError(await api(server, 'GET', providers(), { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', providers()), 401, 'unauthorized');
  });

  it('answers hostile input with 4xx and keeps serving', async () => {
    const t = team.owner.token;
    expectApiError(await api(server, 'PUT', providers(), { token: t, raw: '{"llm": {"baseUrl": ' }), 400, 'invalid_json');
    expectApiError(await api(server, 'PUT', providers(), { token: t, raw: '\u0000\u0001garbage' }), 400, 'invalid_json');
    expectApiError(await put(t, {}), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { baseUrl: 'file:///etc/passwd' } }), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { baseUrl: 'http://user:pw@example.com/v1' } }), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { baseUrl: 'not a url' } }), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { apiKey: 'x'.repeat(5000) } }), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { model: 'has spaces; rm -rf /' } }), 400, 'invalid_input');
    expectApiError(await put(t, { tts: { engine: 'festival', voice: '(system "id")', rate: 1, pitch: 0 } }), 400, 'invalid_input');
    expectApiError(await put(t, { tts: { engine: 'espeak-ng', voice: 'en', rate: 50, pitch: 0 } }), 400, 'invalid_input');
    expectApiError(await put(t, { tts: { engine: 'say', voice: 'en', rate: 1, pitch: 0 } }), 400, 'invalid_input');
    expectApiError(await put(t, { llm: { model: 'x' }, extra: true }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `${providers()}/test`, { token: t, body: { kind: 'image' } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: t, body: { text: 'word '.repeat(10_000) } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: t, body: { text: '   ' } }), 400, 'invalid_input');
    // Text the voice cannot speak at all is the caller's to fix: 400 voice_failed, not a server error.
    await put(t, { tts: { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 } });
    const unspeakable = await api(server, 'POST', `/api/projects/${team.projectId}/tts/preview`, { token: team.editor.token, body: { text: '😀 日本語' } });
    expectApiError(unspeakable, 400, 'voice_failed');
    expect(unspeakable.body.error.message).toMatch(/festival made no audio/);
    expect((await api(server, 'GET', providers(), { token: t })).status).toBe(200);
  });
});

/** The stored llm_api_key column, read straight from the database the server uses. */
async function storedKey(kind: string, url: string, projectId: string): Promise<string> {
  if (kind === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return (db.prepare('select llm_api_key from project_providers where project_id = ?').get(projectId) as { llm_api_key: string }).llm_api_key;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select llm_api_key from project_providers where project_id = $1', [projectId])).rows[0].llm_api_key;
  } finally {
    await client.end();
  }
}

describe('AI providers: a new signing secret', () => {
  it('makes stored keys unreadable: they show as absent and are not sent', async () => {
    const stub = await startOpenAiStub();
    let server = await startServer({ env: { SIGNING_SECRET: 'a'.repeat(40) } });
    try {
      const team = await createTeam(server, 'Rotated secret');
      const url = `/api/projects/${team.projectId}/providers`;
      await api(server, 'PUT', url, { token: team.owner.token, body: { llm: { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key } } });
      await server.stop();
      server = await startServer({ dataDir: server.dataDir, port: server.port, env: { SIGNING_SECRET: 'b'.repeat(40) } });
      const view = await api(server, 'GET', url, { token: team.owner.token });
      expect(view.body.llm).toMatchObject({ hasKey: false, project: { hasKey: false } });
      const r = await api(server, 'POST', `${url}/test`, { token: team.owner.token, body: { kind: 'llm' } });
      expect(r.body.message).toMatch(/refused the API key \(401\)/);
    } finally {
      await server.destroy();
      await stub.close();
    }
  });
});

describe('AI providers: the instance default', () => {
  let server: RunningServer;
  let stub: OpenAiStub;
  beforeAll(async () => {
    stub = await startOpenAiStub({ key: 'sk-instance-key' });
    server = await startServer({ env: { LLM_BASE_URL: stub.baseUrl, LLM_MODEL: 'stub-chat-1', LLM_API_KEY: stub.key } });
  });
  afterAll(async () => {
    await server?.destroy();
    await stub?.close();
  });

  it('applies LLM_* to projects that set none, and never sends the instance key to a URL a project chose', async () => {
    const team = await createTeam(server, 'Instance LLM');
    const view = await api(server, 'GET', `/api/projects/${team.projectId}/providers`, { token: team.owner.token });
    expect(view.body.llm).toMatchObject({ baseUrl: stub.baseUrl, model: 'stub-chat-1', hasKey: true, source: 'instance' });
    expect(JSON.stringify(view.body)).not.toContain(stub.key);
    expect((await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.owner.token, body: { kind: 'llm' } })).body.ok).toBe(true);

    const other = await startOpenAiStub({ key: 'sk-other' });
    try {
      const own = await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: other.baseUrl } } });
      expect(own.body.llm).toMatchObject({ baseUrl: other.baseUrl, model: 'stub-chat-1', hasKey: false, source: 'project' });
      const r = await api(server, 'POST', `/api/projects/${team.projectId}/providers/test`, { token: team.owner.token, body: { kind: 'llm' } });
      expect(r.body.ok).toBe(false);
      expect(other.requests.length).toBeGreaterThan(0);
      expect(other.requests.every((q) => q.authorization !== `Bearer ${stub.key}`)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
