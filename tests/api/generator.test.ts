import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { itemsOf } from '$lib/editor/model/playlist/normalize';
import type { GeneratorStatusJson } from '$lib/generator';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startServer, type RunningServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yclient';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// A channel's generator through the whole system: the API, the buffer loop, a real worker running the procedural
// generator and ffmpeg, media processing making the broadcast copy, the project document, and the live output airing it.
const PROMPTS = ['lofi chill, 80 bpm, A minor, rhodes, bass, drums', 'indian lofi, sitar, tabla, 72 bpm'];
// In hours: 180, 108, 72 and 36 seconds of music, so a test fills the buffer in a few chunks.
const THRESHOLDS = { healthy: 0.05, warning: 0.03, critical: 0.02, emergency: 0.01 };

describe.each(KINDS)('channel generator on %s', (kind) => {
  let database: TestDatabase;
  let server: RunningServer;
  let team: Team;
  let channelId: string;
  const status = async (token = team.owner.token) => {
    const r = await api<{ generator: GeneratorStatusJson }>(server, 'GET', `/api/channels/${channelId}/generator`, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.generator;
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', GENERATOR_TICK_SECONDS: '1', GENERATOR_FAILURE_PAUSE_SECONDS: '1' } });
    team = await createTeam(server, `Generator ${kind}`);
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Lofi Radio', visibility: 'public', crossfadeSeconds: 0 } });
    expect(created.status).toBe(201);
    channelId = created.body.id;
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
  });

  it('shows a switched-off generator with ten default prompts to every member', async () => {
    const g = await status(team.viewer.token);
    expect(g).toMatchObject({ channelId, engine: 'procedural', playlistId: null, hoursBuffered: 0, state: 'DEPLETED', generating: [], speed: null, lastError: null, chunksPerPrompt: 20 });
    expect(g.config).toMatchObject({ enabled: false, rotateSeconds: 3600, chunkSeconds: 180, thresholds: { healthy: 24, warning: 12, critical: 6, emergency: 2 } });
    expect(g.config.prompts).toHaveLength(10);
  });

  it('refuses bad input with a 4xx that says what is wrong, and changes nothing', async () => {
    const patch = (body: unknown, token = team.editor.token) => api(server, 'PATCH', `/api/channels/${channelId}/generator`, { token, body });
    expectApiError(await api(server, 'PATCH', `/api/channels/${channelId}/generator`, { token: team.editor.token, raw: '{"prompts": [' }), 400, 'invalid_json');
    const empty = await patch({ prompts: [] });
    expectApiError(empty, 400, 'invalid_input');
    expect(empty.body.error.message).toMatch(/at least one prompt/);
    expectApiError(await patch({ prompts: ['   '] }), 400, 'invalid_input');
    expectApiError(await patch({ prompts: ['x'.repeat(501)] }), 400, 'invalid_input');
    expect((await patch({ chunkSeconds: 5 })).body.error.message).toMatch(/chunkSeconds.*at least 10/);
    expectApiError(await patch({ rotateSeconds: 'an hour' }), 400, 'invalid_input');
    expectApiError(await patch({ parallel: 1e9 }), 400, 'invalid_input');
    expect((await patch({ thresholds: { healthy: 1, warning: 2, critical: 0.5, emergency: 0.1 } })).body.error.message).toMatch(/must fall/);
    expectApiError(await patch({ thresholds: { healthy: -1, warning: 2, critical: 0.5, emergency: 0.1 } }), 400, 'invalid_input');
    expectApiError(await patch({ enabled: true, engine: 'ai' }), 400, 'invalid_input');
    expectApiError(await patch([1, 2]), 400, 'invalid_input');
    expectApiError(await patch({ enabled: true }, team.viewer.token), 403, 'forbidden');
    expectApiError(await api(server, 'GET', `/api/channels/nope/generator`, { token: team.owner.token }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/channels/${channelId}/generator`, {}), 401);
    const g = await status();
    expect(g.config.enabled).toBe(false);
    expect(g.config.prompts).toHaveLength(10);
  });

  it('fills a generated playlist chunk by chunk, paced by buffer state, rotating prompts; the chunks air', async () => {
    const enabled = await api<{ generator: GeneratorStatusJson }>(server, 'PATCH', `/api/channels/${channelId}/generator`, {
      token: team.editor.token,
      body: { enabled: true, prompts: PROMPTS, rotateSeconds: 60, chunkSeconds: 30, thresholds: THRESHOLDS, parallel: 2 }
    });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const first = enabled.body.generator;
    // Empty buffer: DEPLETED, so the generator runs flat out (two jobs at once); its playlist joined the empty rotation.
    expect(first).toMatchObject({ state: 'DEPLETED', inRotation: true, chunksPerPrompt: 2 });
    expect(first.playlistId).toEqual(expect.any(String));
    expect(first.generating).toHaveLength(2);
    expect(first.generating.map((g) => g.prompt)).toEqual([PROMPTS[0], PROMPTS[0]]);

    // Until more than 180 s are buffered; then HEALTHY and nothing more is made.
    const states = new Set<string>();
    let g = first;
    await waitFor(
      async () => {
        g = await status();
        states.add(g.state);
        return g.state === 'HEALTHY' && g.generating.length === 0;
      },
      'a healthy buffer',
      300_000
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(g)}\n${server.output().slice(-3000)}`);
    });
    expect(g.lastError).toBeNull();
    expect(g.hoursBuffered * 3600).toBeGreaterThan(180);
    expect(states.has('WARNING') || states.has('CRITICAL') || states.has('EMERGENCY')).toBe(true);
    expect(g.speed).toBeGreaterThan(1);
    const made = g.prompts.reduce((n, p) => n + p.ready + p.aired, 0);
    expect(made).toBe(Math.round(g.hoursBuffered * 3600) / 30);
    // Healthy: several more looks at the buffer (one a second) start nothing.
    await new Promise((r) => setTimeout(r, 3000));
    const still = await status();
    expect(still.generating).toEqual([]);
    expect(still.prompts.reduce((n, p) => n + p.ready + p.aired, 0)).toBe(made);

    // The playlist in the project document: the chunks in order, each with its prompt, rotating every two chunks.
    const client = connectClient(server.wsUrl, team.projectId, team.viewer.token);
    let assets: AssetJson[] = [];
    try {
      await client.synced;
      const s = new ProjectDoc(client.doc).playlists.snapshot();
      const playlist = s.playlists.find((p) => p.id === g.playlistId)!;
      expect(playlist).toMatchObject({ kind: 'generated', playback: 'sequential', name: 'Lofi Radio generator' });
      const items = itemsOf(s, playlist.id);
      expect(items).toHaveLength(made);
      expect(items.map((i) => i.prompt)).toEqual(Array.from({ length: made }, (_, i) => PROMPTS[Math.floor(i / 2) % 2]));
      expect(new ProjectDoc(client.doc).schedule.snapshot().settings.rotation).toEqual([{ playlistId: playlist.id, weight: 1 }]);
      assets = await Promise.all(items.map(async (i) => (await api<AssetJson>(server, 'GET', `/api/assets/${i.assetId}`, { token: team.owner.token })).body));
    } finally {
      client.destroy();
    }
    for (const a of assets) {
      expect(a).toMatchObject({ kind: 'audio', status: 'approved', category: 'Generated', processing: { state: 'ready' } });
      expect(a.duration).toBeCloseTo(30, 0);
      expect(a.variants.map((v) => v.name)).toContain('broadcast');
      expect(a.description).toMatch(/procedural generator/);
      expect(a.description).not.toMatch(/\bAI\b/);
    }

    // On air: chunks go out through the normal live path (the plan picks up the sequence where the day's clock puts
    // it), and the generator counts what aired.
    const started = await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    try {
      await waitFor(
        async () => {
          const plays = (await api(server, 'GET', `/api/channels/${channelId}/plays`, { token: team.owner.token })).body.plays as { assetId: string | null }[];
          return plays.some((p) => assets.some((a) => a.id === p.assetId));
        },
        'a chunk in the play log',
        120_000
      );
      await waitFor(async () => (await status()).prompts.some((p) => p.aired >= 1), 'the chunk counted as aired', 30_000);
    } finally {
      await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.editor.token, body: { action: 'stop' } });
    }
  }, 600_000);
});
