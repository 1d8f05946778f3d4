import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerClient } from '../../workers/worker-client';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';
import { verifySignature as verify } from '../helpers/webhook-signature';

// Webhooks through the real server: a local HTTP receiver in this process, the live service driven by a worker over its real protocol.
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: RunningServer;
let team: Team;
let receiver: http.Server;
let base: string;
const received: Received[] = [];
const hits = new Map<string, number>();
let worker: WorkerClient | undefined;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      // /flaky fails twice then accepts; /bad refuses for good; anything else accepts.
      const status = path === '/flaky' ? (n <= 2 ? 500 : 200) : path === '/bad' ? 400 : 200;
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Small backoff so retries come quickly; the receiver is on loopback, so private targets are allowed here.
  server = await startServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_BACKOFF_BASE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '4', JOB_POLL_MS: '200' } });
  team = await createTeam(server, 'Hooks');
});

afterAll(async () => {
  await worker?.stop();
  await server?.destroy();
  await new Promise((r) => receiver?.close(r));
});


const createHook = async (path: string, events: string[], extra: object = {}) => {
  const r = await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: base + path, events, ...extra } });
  expect(r.status).toBe(201);
  return r.body as { id: string; secret: string; url: string; events: string[] };
};
const deliveries = async (id: string) => (await api(server, 'GET', `/api/webhooks/${id}/deliveries`, { token: team.owner.token })).body as { id: string; event: string; status: string; attempts: number; responseCode: number | null; error: string | null }[];
const at = (path: string) => received.filter((r) => r.path === path);

describe('webhooks', () => {
  it('shows the secret once, and a test ping arrives signed with it', async () => {
    const hook = await createHook('/ping', ['song.changed']);
    expect(hook.secret).toMatch(/^whsec_/);
    const listed = await api(server, 'GET', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token });
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0].id).toBe(hook.id);
    expect(listed.body[0]).not.toHaveProperty('secret');

    const ping = await api(server, 'POST', `/api/webhooks/${hook.id}/test`, { token: team.owner.token });
    expect(ping.status).toBe(202);
    await waitFor(() => at('/ping').length === 1, 'the ping');
    const got = at('/ping')[0];
    expect(got.headers['x-airstudio-event']).toBe('ping');
    expect(got.headers['x-airstudio-delivery']).toBe(ping.body.id);
    expect(verify(hook.secret, got.headers['x-airstudio-signature'] as string, got.body)).toBe(true);
    expect(verify('whsec_wrong', got.headers['x-airstudio-signature'] as string, got.body)).toBe(false);
    expect(JSON.parse(got.body)).toMatchObject({ id: ping.body.id, event: 'ping', channel: null });
    await waitFor(async () => (await deliveries(hook.id))[0]?.status === 'delivered', 'the ping logged as delivered');
  });

  it('retries 5xx with backoff until delivered, and takes a 4xx as final', async () => {
    const flaky = await createHook('/flaky', ['channel.online']);
    await api(server, 'POST', `/api/webhooks/${flaky.id}/test`, { token: team.owner.token });
    await waitFor(async () => (await deliveries(flaky.id))[0]?.status === 'delivered', 'the flaky delivery delivered', 20_000);
    expect((await deliveries(flaky.id))[0]).toMatchObject({ attempts: 3, responseCode: 200 });
    expect(at('/flaky')).toHaveLength(3);
    // The same delivery id on every attempt, so receivers can deduplicate.
    expect(new Set(at('/flaky').map((r) => r.headers['x-airstudio-delivery'])).size).toBe(1);

    const bad = await createHook('/bad', ['channel.online']);
    await api(server, 'POST', `/api/webhooks/${bad.id}/test`, { token: team.owner.token });
    await waitFor(async () => (await deliveries(bad.id))[0]?.status === 'failed', 'the 400 delivery failed');
    expect((await deliveries(bad.id))[0]).toMatchObject({ attempts: 1, responseCode: 400, error: 'HTTP 400' });
    expect(at('/bad')).toHaveLength(1);
  });

  it('lets only the owner manage webhooks, and checks its input', async () => {
    const hook = await createHook('/managed', ['channel.offline']);
    for (const who of [team.viewer, team.editor]) {
      expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/webhooks`, { token: who.token }), 403, 'forbidden');
      expectApiError(await api(server, 'PATCH', `/api/webhooks/${hook.id}`, { token: who.token, body: { enabled: false } }), 403, 'forbidden');
      expectApiError(await api(server, 'GET', `/api/webhooks/${hook.id}/deliveries`, { token: who.token }), 403, 'forbidden');
    }
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.viewer.token, body: { url: `${base}/x`, events: ['song.changed'] } }), 403, 'forbidden');
    expectApiError(await api(server, 'DELETE', `/api/webhooks/${hook.id}`, { token: team.outsider.token }), 404, 'not_found');
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/webhooks`, { token: team.outsider.token }), 404);

    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, raw: '{"url": ' }), 400, 'invalid_json');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: 'ftp://example.com/', events: ['song.changed'] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: `${base}/x`, events: ['song.deleted'] } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: `${base}/x`, events: [] } }), 400, 'invalid_input');

    const patched = await api(server, 'PATCH', `/api/webhooks/${hook.id}`, { token: team.owner.token, body: { events: ['song.changed', 'channel.online'], enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['song.changed', 'channel.online'], enabled: false });
    expect((await api(server, 'DELETE', `/api/webhooks/${hook.id}`, { token: team.owner.token })).status).toBe(204);
    expectApiError(await api(server, 'GET', `/api/webhooks/${hook.id}/deliveries`, { token: team.owner.token }), 404);
  });

  it('refuses loopback and private addresses unless WEBHOOK_ALLOW_PRIVATE=1', async () => {
    const strict = await startServer();
    try {
      const t = await createTeam(strict, 'Strict hooks');
      for (const url of [`${base}/x`, 'http://localhost:9/x', 'http://10.1.2.3/x', 'http://192.168.1.1/x', 'http://[::1]:8080/x', 'http://169.254.169.254/latest']) {
        const r = await api(strict, 'POST', `/api/projects/${t.projectId}/webhooks`, { token: t.owner.token, body: { url, events: ['song.changed'] } });
        expectApiError(r, 400, 'private_address');
        expect(r.body.error.message).toMatch(/WEBHOOK_ALLOW_PRIVATE/);
      }
    } finally {
      await strict.destroy();
    }
  });

  it('sends channel.online, song.changed when the live service logs an item played, and channel.offline', async () => {
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Hook FM' } });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string; slug: string; name: string };
    const hook = await createHook('/station', ['song.changed', 'channel.online', 'channel.offline'], { channelId: channel.id });
    // Filtered to another channel: must receive nothing.
    const other = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Other FM' } });
    await createHook('/other', ['song.changed', 'channel.online'], { channelId: other.body.id });

    const held = await leaseHoldingWorker(server, team.owner, 'hook box');
    worker = held.worker;

    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.owner.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    await waitFor(() => held.lease() !== undefined, 'the live job on the worker');
    await waitFor(() => at('/station').some((r) => r.headers['x-airstudio-event'] === 'channel.online'), 'channel.online');

    const start = Date.now();
    const item = { kind: 'track', assetId: null, itemId: null, requestId: null, start, end: start + 180_000, cueIn: 0, fadeIn: 0, fadeOut: 0, blockId: null, playlistId: null, show: 'Rotation', prompt: null, reason: 'test', alert: false, title: 'Harbour Lights', artist: 'The Lamps' };
    const played = await held.lease()!.request!(`/api/worker/jobs/${held.lease()!.job.id}/played`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
    expect(played.status).toBe(200);
    await waitFor(() => at('/station').some((r) => r.headers['x-airstudio-event'] === 'song.changed'), 'song.changed');
    const song = at('/station').find((r) => r.headers['x-airstudio-event'] === 'song.changed')!;
    expect(verify(hook.secret, song.headers['x-airstudio-signature'] as string, song.body)).toBe(true);
    expect(JSON.parse(song.body)).toMatchObject({ event: 'song.changed', channel: { id: channel.id, slug: channel.slug, name: 'Hook FM' }, data: { song: { title: 'Harbour Lights', artist: 'The Lamps' } } });

    const stopped = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.owner.token, body: { action: 'stop' } });
    expect(stopped.status).toBe(200);
    await waitFor(() => at('/station').some((r) => r.headers['x-airstudio-event'] === 'channel.offline'), 'channel.offline');
    expect(at('/other')).toHaveLength(0);
    const log = await deliveries(hook.id);
    expect(log.map((d) => d.event).sort()).toEqual(['channel.offline', 'channel.online', 'song.changed']);
  });
});
