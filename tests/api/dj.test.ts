import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_NOTICE } from '$lib/dj';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startServer, type RunningServer } from '../helpers/server';
import { startOpenAiStub } from '../helpers/openai-stub';

// The AutoDJ's persona and intros API through the real server, on SQLite and PostgreSQL.
const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

describe.each(KINDS)('AutoDJ API on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let team: Team;
  let channelId: string;
  const dj = () => `/api/channels/${channelId}/dj`;

  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    server = await startServer({ databaseUrl: database?.url });
    team = await createTeam(server, `DJ ${kind}`);
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Persona FM' } });
    channelId = created.body.id;
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
  });

  it('has a default persona (off, project voice, no LLM) and round-trips what editors set', async () => {
    const empty = await api(server, 'GET', dj(), { token: team.viewer.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ channelId, enabled: false, voice: null, policy: 'every', stationIdHourly: true, duckDb: -12, llm: false, updatedAt: null });
    expect(TEMPLATE_NOTICE).toMatch(/configure a language model in Providers/);

    const body = { enabled: true, name: 'Nova', style: 'Warm, brief, a little dry.', voice: { engine: 'flite', voice: 'slt', rate: 1.1, pitch: -1 }, policy: 'every-n', everyN: 4, stationIdHourly: false, duckDb: -9 };
    const saved = await api(server, 'PUT', dj(), { token: team.editor.token, body });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject(body);
    const read = await api(server, 'GET', dj(), { token: team.viewer.token });
    expect(read.body).toEqual(saved.body);

    // A partial body fills the rest with defaults (PUT sets the whole persona); null engine is the project's voice.
    const reset = await api(server, 'PUT', dj(), { token: team.owner.token, body: { name: 'Echo', voice: null } });
    expect(reset.body).toMatchObject({ enabled: false, name: 'Echo', voice: null, policy: 'every', everyN: 3 });
  });

  it("previews the persona's own voice through the project's voice preview", async () => {
    const preview = `/api/projects/${team.projectId}/tts/preview`;
    const r = await fetch(`${server.url}${preview}`, { method: 'POST', headers: { authorization: `Bearer ${team.editor.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Hi, I am Nova.', voice: { engine: 'espeak-ng', voice: 'en' } }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('audio/wav');
    expect(Number(r.headers.get('x-duration-seconds'))).toBeGreaterThan(0.3);
    expectApiError(await api(server, 'POST', preview, { token: team.editor.token, body: { text: 'Hi.', voice: { engine: 'espeak-ng', voice: 'klingon' } } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', preview, { token: team.editor.token, body: { text: 'Hi.', voice: { engine: 'openai', voice: 'alloy' } } }), 400, 'invalid_input');
  });

  it('says when the project has a language model (then lines are written by it, not templates) (OpenAI-compatible stub)', async () => {
    const stub = await startOpenAiStub();
    try {
      const set = await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: stub.baseUrl, model: 'stub-chat-1', apiKey: stub.key } } });
      expect(set.status).toBe(200);
      expect((await api(server, 'GET', dj(), { token: team.viewer.token })).body.llm).toBe(true);
      await api(server, 'PUT', `/api/projects/${team.projectId}/providers`, { token: team.owner.token, body: { llm: { baseUrl: null, model: null, apiKey: null } } });
      expect((await api(server, 'GET', dj(), { token: team.viewer.token })).body.llm).toBe(false);
    } finally {
      await stub.close();
    }
  });

  it('lists intros for a range (none yet) and refuses bad input with a 4xx that says what is wrong', async () => {
    const none = await api(server, 'GET', `/api/channels/${channelId}/intros`, { token: team.viewer.token });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ intros: [] });

    expectApiError(await api(server, 'PUT', dj(), { token: team.viewer.token, body: { name: 'Nope' } }), 403);
    expectApiError(await api(server, 'GET', dj(), { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', dj()), 401);
    expectApiError(await api(server, 'GET', '/api/channels/not-an-id/dj', { token: team.owner.token }), 404);
    const policy = await api(server, 'PUT', dj(), { token: team.editor.token, body: { policy: 'dance' } });
    expectApiError(policy, 400, 'invalid_input');
    expect(policy.body.error.message).toContain('policy');
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, body: { everyN: 0 } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, body: { duckDb: 12 } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, body: { name: 'x'.repeat(200) } }), 400, 'invalid_input');
    const voice = await api(server, 'PUT', dj(), { token: team.editor.token, body: { voice: { engine: 'espeak-ng', voice: 'klingon' } } });
    expectApiError(voice, 400, 'invalid_input');
    expect(voice.body.error.message).toMatch(/voice/);
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, body: { voice: { engine: 'openai', voice: 'alloy' } } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, body: { sneaky: true } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PUT', dj(), { token: team.editor.token, raw: '{"name": ' }), 400, 'invalid_json');

    const intros = `/api/channels/${channelId}/intros`;
    expectApiError(await api(server, 'GET', `${intros}?from=abc`, { token: team.viewer.token }), 400, 'invalid_input');
    expectApiError(await api(server, 'GET', `${intros}?from=2000&to=1000`, { token: team.viewer.token }), 400, 'invalid_input');
    expectApiError(await api(server, 'GET', `${intros}?from=0&to=${30 * 24 * 3600_000}`, { token: team.viewer.token }), 400, 'invalid_input');
    expectApiError(await api(server, 'PATCH', `${intros}/aaaaaaaaaaaaaaaa`, { token: team.editor.token, body: { text: 'Hello there.' } }), 404);
    expectApiError(await api(server, 'PATCH', `${intros}/aaaaaaaaaaaaaaaa`, { token: team.editor.token, body: { text: '   ' } }), 400, 'invalid_input');
    expectApiError(await api(server, 'PATCH', `${intros}/aaaaaaaaaaaaaaaa`, { token: team.editor.token, body: { text: 'x'.repeat(401) } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `${intros}/aaaaaaaaaaaaaaaa/revoice`, { token: team.editor.token }), 404);
    expectApiError(await api(server, 'GET', `${intros}/aaaaaaaaaaaaaaaa/audio`), 401);
    expectApiError(await api(server, 'GET', `${intros}/aaaaaaaaaaaaaaaa/audio?exp=1&sig=forged`), 403);
  });

  it("lists the channel's plan ahead for the schedule view (empty off air) and refuses a bad count", async () => {
    const upcoming = `/api/channels/${channelId}/upcoming`;
    const off = await api(server, 'GET', upcoming, { token: team.viewer.token });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ channelId, onAir: false, items: [] });
    for (const count of ['0', '51', 'abc', '2.5']) {
      const bad = await api(server, 'GET', `${upcoming}?count=${count}`, { token: team.viewer.token });
      expectApiError(bad, 400, 'invalid_input');
      expect(bad.body.error.message).toContain('count');
    }
    expectApiError(await api(server, 'GET', upcoming, { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', upcoming), 401);
  });
});
