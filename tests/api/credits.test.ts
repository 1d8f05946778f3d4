import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditEntryJson, ProjectCreditsJson } from '$lib/credits';
import type { JobJson } from '$lib/job';
import { WorkerClient } from '../../workers/worker-client';
import { api, createTeam, expectApiError, signup, uniqueName, type Team, type TestUser } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { titleOnlyCut } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// Credits over HTTP: a title-only cut of 150 s (3 credits at the default 1 a minute), accounts starting with 2.
let server: RunningServer;
let operator: TestUser;
let team: Team;
let worker: WorkerClient | undefined;

beforeAll(async () => {
  server = await startServer({ env: { CREDITS_START: '2', JOB_BACKOFF_BASE_MS: '50' } });
  // The instance's first account is its operator.
  operator = await signup(server, uniqueName('operator'));
  team = await createTeam(server, 'Paid cut');
  await titleOnlyCut(server, team.projectId, team.editor, 150);
});
afterAll(async () => {
  await worker?.stop();
  await server?.destroy();
});

const credits = async (user: TestUser = team.owner, query = '') => {
  const r = await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits${query}`, { token: user.token });
  expect(r.status).toBe(200);
  return r.body;
};
const render = (body: object = {}, user = team.editor) => api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: user.token, body: { preset: 'mp4-480p', ...body } });
const grant = (amount: number, username = team.owner.username, by = operator) => api(server, 'POST', '/api/credits/grants', { token: by.token, body: { username, amount, note: 'test' } });
const job = async (id: string) => (await api<JobJson>(server, 'GET', `/api/jobs/${id}`, { token: team.owner.token })).body;

describe('credits', () => {
  it('refuses a render the balance cannot pay with 402, saying the balance, the price and how to get credits', async () => {
    const before = await credits();
    expect(before).toMatchObject({ enabled: true, owner: team.owner.username, balance: 2, operator: false });
    expect(before.entries.map((e) => [e.kind, e.amount, e.note])).toEqual([['grant', 2, 'Starting credits']]);
    expect(before.prices.find((p) => p.jobType === 'timeline.render')).toEqual({ jobType: 'timeline.render', creditsPerMinute: 1, isDefault: true });
    const r = await render();
    expectApiError(r, 402, 'insufficient_credits');
    expect(r.body.error.message).toBe(
      `Rendering the cut costs 3 credits (2.5 min at 1 a minute), but ${team.owner.username}'s balance is 2. ` +
        `Ask the studio's operator (${operator.username}) to grant credits, or work on less content.`
    );
    expect((await credits()).balance).toBe(2);
    expect((await api(server, 'GET', `/api/projects/${team.projectId}/renders`, { token: team.owner.token })).body.renders).toEqual([]);
  });

  it('charges a render up front and refunds it exactly once when it fails for good (after two failed attempts)', async () => {
    expect((await grant(10)).body).toMatchObject({ username: team.owner.username, balance: 12, entry: { kind: 'grant', amount: 10, actor: operator.username } });
    const started = await render();
    expect(started.status).toBe(201);
    const id = (started.body as JobJson).id;
    expect((await credits()).balance).toBe(9);
    // A real worker over the worker protocol whose render breaks every time (retryable): the job has two attempts.
    const token = (await api(server, 'POST', '/api/worker-tokens', { token: team.owner.token, body: { name: 'broken box' } })).body.token;
    let attempts = 0;
    worker = new WorkerClient({
      server: server.url, token, name: 'broken', concurrency: 1, version: 'test', log: () => undefined,
      handlers: { 'timeline.render': async () => { attempts++; throw new Error('the encoder crashed'); } }
    });
    await worker.start();
    await waitFor(async () => (await job(id)).status === 'failed', 'the render failed for good', 30_000);
    await worker.stop();
    worker = undefined;
    expect(attempts).toBe(2);
    const after = await credits();
    expect(after.balance).toBe(12);
    const mine = after.entries.filter((e) => e.jobId === id);
    expect(mine.map((e) => [e.kind, e.amount])).toEqual([['refund', 3], ['charge', -3]]);
    expect(mine[0].refundOf).toBe(mine[1].id);
    expect(mine[1]).toMatchObject({ jobType: 'timeline.render', contentMinutes: 2.5, creditsPerMinute: 1, actor: team.editor.username });
    // Canceling the failed job changes nothing; the balance is still the sum of the entries.
    expectApiError(await api(server, 'POST', `/api/jobs/${id}/cancel`, { token: team.owner.token }), 409);
    expect((await credits()).balance).toBe(12);
  });

  it('never overdraws under concurrent renders, and refunds each canceled before it ran', async () => {
    // 12 credits, 2 a render of the first two minutes: 6 of 20 racing renders go through.
    const results = await Promise.all(Array.from({ length: 20 }, () => render({ range: { start: 0, end: 120 } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(6);
    for (const r of results.filter((r) => r.status !== 201)) expectApiError(r, 402, 'insufficient_credits');
    const spent = await credits(team.owner, '?limit=200');
    expect(spent.balance).toBe(0);
    expect(spent.entries.filter((e) => e.kind === 'charge' && e.amount === -2)).toHaveLength(6);
    for (const r of results.filter((r) => r.status === 201)) expect((await api(server, 'POST', `/api/jobs/${r.body.id}/cancel`, { token: team.editor.token })).status).toBe(200);
    expect((await credits()).balance).toBe(12);
  });

  it('pages the entries, newest first; members see the project\'s charges but not the owner\'s grants', async () => {
    const all = (await credits(team.owner, '?limit=200')).entries;
    const first = await credits(team.owner, '?limit=5');
    expect(first.entries).toEqual(all.slice(0, 5));
    const second = await credits(team.owner, `?limit=5&before=${first.nextBefore}`);
    expect(second.entries).toEqual(all.slice(5, 10));
    const asViewer = await credits(team.viewer, '?limit=200');
    expect(asViewer.balance).toBe(12);
    expect(asViewer.entries.length).toBeGreaterThan(0);
    expect(asViewer.entries.every((e: CreditEntryJson) => e.kind !== 'grant' && e.projectId === team.projectId)).toBe(true);
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/credits`), 401);
  });

  it('lets only the operator grant credits and read or set prices (403 for everyone else)', async () => {
    for (const who of [team.owner, team.editor, team.outsider]) {
      expectApiError(await grant(5, who.username, who), 403, 'forbidden');
      expectApiError(await api(server, 'GET', '/api/credits/prices', { token: who.token }), 403, 'forbidden');
      expectApiError(await api(server, 'PUT', '/api/credits/prices', { token: who.token, body: { prices: { 'timeline.render': 0 } } }), 403, 'forbidden');
    }
    expectApiError(await api(server, 'POST', '/api/credits/grants', { body: { username: team.owner.username, amount: 5 } }), 401);
    const set = await api(server, 'PUT', '/api/credits/prices', { token: operator.token, body: { prices: { 'timeline.render': 2, 'tool.scenes': 4 } } });
    expect(set.status).toBe(200);
    expect(set.body.prices.map((p: { jobType: string; creditsPerMinute: number }) => [p.jobType, p.creditsPerMinute])).toEqual([
      ['timeline.render', 2], ['tool.cleanup', 1], ['tool.silence', 5], ['tool.scenes', 4], ['tool.stabilize', 3],
      ['tool.denoise', 3], ['tool.color', 1], ['tool.upscale', 2], ['tool.captions', 2], ['tool.speech', 3], ['ai.video', 10], ['music.generate', 5], ['photo.analyze', 1], ['photo.enhance', 2], ['staging.render', 1], ['listing.render', 1]
    ]);
    expect((await api(server, 'GET', '/api/credits/prices', { token: operator.token })).body.prices[0]).toEqual({ jobType: 'timeline.render', creditsPerMinute: 2, isDefault: false });
    expect((await credits()).prices[0].creditsPerMinute).toBe(2);
    const r = await render({ range: { start: 0, end: 60 } });
    expect(r.status).toBe(201);
    expect((await credits()).balance).toBe(10);
    await api(server, 'PUT', '/api/credits/prices', { token: operator.token, body: { prices: { 'timeline.render': 1 } } });
  });

  it('answers garbage with a clear 4xx and keeps serving', async () => {
    const post = (raw: string) => api(server, 'POST', '/api/credits/grants', { token: operator.token, raw });
    const put = (body: unknown) => api(server, 'PUT', '/api/credits/prices', { token: operator.token, body });
    expectApiError(await post('{"username": '), 400, 'invalid_json');
    for (const body of [{}, { username: team.owner.username }, { username: team.owner.username, amount: 1.5 }, { username: team.owner.username, amount: 'lots' },
      { username: team.owner.username, amount: 0 }, { username: team.owner.username, amount: 1e12 }, { username: team.owner.username, amount: 5, admin: true },
      { username: 'x'.repeat(5000), amount: 5 }]) {
      expectApiError(await post(JSON.stringify(body)), 400, 'invalid_input');
    }
    const hostile = await grant(5, "'; drop table users; --");
    expectApiError(hostile, 400, 'unknown_user');
    expect(hostile.body.error.message).toContain("No user is called \"'; drop table users; --\"");
    // Taking back more than the balance is refused, not overdrawn.
    expectApiError(await grant(-1_000_000), 409, 'insufficient_credits');
    expectApiError(await put({ prices: { 'media.process': 3 } }), 400, 'invalid_input');
    expect((await put({ prices: { 'channel.live': 3 } })).body.error.message).toMatch(/job types with a price are timeline.render, tool.cleanup/);
    for (const body of [{ prices: {} }, { prices: { 'timeline.render': -1 } }, { prices: { 'timeline.render': 0.5 } }, { prices: { 'timeline.render': 1e9 } }, { prices: [] }, [], 'cheap']) {
      expectApiError(await put(body), 400, 'invalid_input');
    }
    for (const q of ['?limit=abc', '?limit=0', '?limit=100000', '?before=-3', '?before=x']) {
      expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/credits${q}`, { token: team.owner.token }), 400, 'invalid_input');
    }
    expectApiError(await api(server, 'DELETE', '/api/credits/prices', { token: operator.token }), 405);
    expect((await api(server, 'GET', '/health')).status).toBe(200);
    expect((await credits()).balance).toBe(10);
  });
});

describe('credits off (CREDITS=off)', () => {
  it('charges nothing, says so, and has nothing to grant', async () => {
    const off = await startServer({ env: { CREDITS: 'off', CREDITS_START: '0' } });
    try {
      const first = await signup(off, uniqueName('operator'));
      const crew = await createTeam(off, 'Free cut');
      await titleOnlyCut(off, crew.projectId, crew.editor, 150);
      const r = await api(off, 'POST', `/api/projects/${crew.projectId}/renders`, { token: crew.editor.token, body: {} });
      expect(r.status).toBe(201);
      const state = await api<ProjectCreditsJson>(off, 'GET', `/api/projects/${crew.projectId}/credits`, { token: crew.owner.token });
      expect(state.body).toMatchObject({ enabled: false, balance: 0, entries: [] });
      expectApiError(await api(off, 'POST', '/api/credits/grants', { token: first.token, body: { username: crew.owner.username, amount: 5 } }), 409, 'credits_off');
      const page = await fetch(`${off.url}/projects/${crew.projectId}/usage`, { headers: { authorization: `Bearer ${crew.owner.token}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Credits are off on this instance (CREDITS=off)');
    } finally {
      await off.destroy();
    }
  });
});
