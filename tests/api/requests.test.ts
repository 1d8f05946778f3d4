import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as pl from '$lib/editor/model/playlist/operations';
import * as sc from '$lib/editor/model/schedule/operations';
import type { StationAssets } from '$lib/editor/model/playlist/snapshot';
import type { AssetJson } from '$lib/asset';
import type { SongRequestView } from '$lib/song-request';
import type { WorkerClient } from '../../workers/worker-client';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yclient';

// Song requests through the real server: real uploads processed by a real worker, the playlists co-edited over
// y-websocket, listeners told apart by X-Forwarded-For, and the plan read by a worker holding the live job's lease.
let server: RunningServer;
let team: Team;
let dir: string;
let worker: WorkerClient | undefined;
let studio: Socket | undefined;
let alpha: AssetJson;
let bravo: AssetJson;
let charlie: AssetJson;
let channel: { id: string; slug: string };

const ENV = { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1', JOB_POLL_MS: '200' };

async function upload(file: string): Promise<AssetJson> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
  const r = await fetch(`${server.url}/api/projects/${team.projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${team.editor.token}` }, body: form });
  expect(r.status).toBe(201);
  const id = ((await r.json()) as AssetJson).id;
  let a: AssetJson | undefined;
  await waitFor(async () => (a = (await api(server, 'GET', `/api/assets/${id}`, { token: team.owner.token })).body).processing.state === 'ready', `asset ${id} processed`, 60_000);
  return a!;
}

beforeAll(async () => {
  // A local worker processes the uploads; the server then restarts without one, so the live job goes to the stub below.
  server = await startServer({ env: { ...ENV, LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Requests');
  dir = await tempDir('airstudio-requests-');
  const files = await Promise.all(
    ['alpha', 'bravo', 'charlie'].map(async (name, i) => {
      const file = path.join(dir, `${name}-song.mp3`);
      await ffmpeg(...sine(6, 330 + 110 * i), '-c:a', 'libmp3lame', '-b:a', '96k', file);
      return file;
    })
  );
  [alpha, bravo, charlie] = await Promise.all(files.map(upload));
  const rejected = await api(server, 'PATCH', `/api/assets/${charlie.id}`, { token: team.owner.token, body: { status: 'rejected', rejectionReason: 'Not for the station.' } });
  expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);

  const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Request FM' } });
  expect(created.status).toBe(201);
  channel = created.body;

  // The rotation plays bravo only; alpha and charlie sit in another music playlist, requestable but not rotated.
  const client = connectClient(server.wsUrl, team.projectId, team.editor.token);
  await client.synced;
  const library: StationAssets = Object.fromEntries([alpha, bravo, charlie].map((a) => [a.id, { duration: a.duration!, approved: true, title: a.title }]));
  const pd = new ProjectDoc(client.doc);
  pd.transact(userOrigin(team.editor.id), (d) => {
    const ids: string[] = [];
    for (const [name, assetIds] of [['Rotation', [bravo.id]], ['Library', [alpha.id, charlie.id]]] as const) {
      const made = pl.createPlaylist(d.playlists.snapshot(), { name, playback: 'sequential' });
      if (!made.ok) throw new Error(made.reason);
      d.playlists.apply(made.changes);
      const added = pl.addPlaylistItems(d.playlists.snapshot(), { playlistId: made.created[0], assetIds: [...assetIds], assets: library });
      if (!added.ok) throw new Error(added.reason);
      d.playlists.apply(added.changes);
      ids.push(made.created[0]);
    }
    const rotation = sc.setRotation(d.schedule.snapshot(), { rotation: [{ playlistId: ids[0], weight: 1 }] });
    if (!rotation.ok) throw new Error(rotation.reason);
    d.schedule.apply(rotation.changes);
  });
  const observer = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await observer.synced;
  await waitFor(() => new ProjectDoc(observer.doc).playlists.snapshot().items.length === 3, 'the server has the playlists');
  observer.destroy();
  client.destroy();

  await server.stop();
  server = await startServer({ dataDir: server.dataDir, env: { ...ENV, LOCAL_WORKERS: '0' } });
}, 180_000);

afterAll(async () => {
  studio?.close();
  await worker?.stop();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const request = (assetId: string, ip: string, guestId: string) =>
  api(server, 'POST', `/api/channels/by-slug/${channel.slug}/requests`, { body: { assetId, guestId }, headers: { 'x-forwarded-for': ip } });
const queue = async (token = team.viewer.token) => (await api(server, 'GET', `/api/channels/${channel.id}/requests`, { token })).body as SongRequestView[];

describe('song requests', () => {
  it('are refused while the channel has them off', async () => {
    const listed = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requestable`);
    expectApiError(listed, 409, 'requests_off');
    const r = await request(alpha.id, '10.0.0.1', 'guest-one-1');
    expectApiError(r, 409, 'requests_off');
    expect(r.body.error.message).toMatch(/does not take song requests/);
  });

  it('list the approved songs of the playlists to anyone, searchable and paginated', async () => {
    const on = await api(server, 'PATCH', `/api/channels/${channel.id}`, { token: team.editor.token, body: { requestsEnabled: true, minRepeatMinutes: 60 } });
    expect(on.status).toBe(200);
    const all = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requestable`);
    expect(all.status).toBe(200);
    // charlie is rejected: not requestable.
    expect(all.body.total).toBe(2);
    expect(all.body.items.map((s: { id: string }) => s.id).sort()).toEqual([alpha.id, bravo.id].sort());
    expect(all.body.items[0]).toHaveProperty('duration');
    const search = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requestable?q=ALPHA`);
    expect(search.body.items.map((s: { id: string }) => s.id)).toEqual([alpha.id]);
    const page = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requestable?limit=1&offset=1`);
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.body.items).toHaveLength(1);
    expectApiError(await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requestable?limit=0`), 400, 'invalid_input');
  });

  it('take a guest request, refuse the same song within the gap with when, and rate-limit per address and per guest', async () => {
    studio = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.viewer.token } });
    const pushed: { channelId: string; requests: SongRequestView[] }[] = [];
    studio.on('channel:requests', (e) => pushed.push(e));
    const joined = await studio.timeout(5000).emitWithAck('project:join', team.projectId);
    expect(joined.ok).toBe(true);

    const first = await request(alpha.id, '10.0.0.1', 'guest-one-1');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ assetId: alpha.id, status: 'pending', by: 'guest', channelId: channel.id });
    await waitFor(() => pushed.some((e) => e.requests.some((r) => r.id === first.body.id)), 'channel:requests in the project room');

    const again = await request(alpha.id, '10.0.0.2', 'guest-two-2');
    expectApiError(again, 409, 'too_soon');
    expect(again.body.error.message).toMatch(/can be requested again at \d{4}-\d\d-\d\dT/);

    const sameIp = await request(bravo.id, '10.0.0.1', 'guest-three-3');
    expectApiError(sameIp, 429, 'too_many_requests');
    expect(Number(sameIp.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sameIp.body.error.message).toMatch(/request again at/);
    expectApiError(await request(bravo.id, '10.0.0.3', 'guest-one-1'), 429, 'too_many_requests');

    // Unapproved, unknown or malformed: not requestable.
    expectApiError(await request(charlie.id, '10.0.0.4', 'guest-four-4'), 404, 'not_found');
    expectApiError(await request('a'.repeat(16), '10.0.0.4', 'guest-four-4'), 404, 'not_found');
    expectApiError(await api(server, 'POST', `/api/channels/by-slug/${channel.slug}/requests`, { raw: '{"assetId":', headers: { 'x-forwarded-for': '10.0.0.4' } }), 400, 'invalid_json');
    expectApiError(await api(server, 'POST', `/api/channels/by-slug/nope-nope/requests`, { body: { assetId: alpha.id }, headers: { 'x-forwarded-for': '10.0.0.4' } }), 404);
  });

  it('show the queue to the team; editors remove, viewers and outsiders cannot', async () => {
    const extra = await request(bravo.id, '10.0.0.5', 'guest-five-5');
    expect(extra.status).toBe(201);
    const q = await queue();
    expect(q.filter((r) => r.status === 'pending').map((r) => r.assetId)).toEqual([alpha.id, bravo.id]);
    expect(q[0].title).toBe(alpha.title);
    expectApiError(await api(server, 'DELETE', `/api/channels/${channel.id}/requests/${extra.body.id}`, { token: team.viewer.token }), 403, 'forbidden');
    expectApiError(await api(server, 'GET', `/api/channels/${channel.id}/requests`, { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', `/api/channels/${channel.id}/requests`), 401);
    expect((await api(server, 'DELETE', `/api/channels/${channel.id}/requests/${extra.body.id}`, { token: team.editor.token })).status).toBe(204);
    expect((await queue()).map((r) => r.assetId)).toEqual([alpha.id]);
    expectApiError(await api(server, 'DELETE', `/api/channels/${channel.id}/requests/${extra.body.id}`, { token: team.editor.token }), 404);
  });

  it('go into the live plan, and are marked played when they air', async () => {
    const [pending] = await queue();
    const held = await leaseHoldingWorker(server, team.owner, 'request box');
    worker = held.worker;
    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } })).status).toBe(202);
    await waitFor(() => held.lease() !== undefined, 'the live job on the worker');

    const res = await held.lease()!.request!(`/api/worker/jobs/${held.lease()!.job.id}/plan?from=${Date.now()}&count=8`);
    expect(res.status).toBe(200);
    const plan = (await res.json()) as { items: { kind: string; assetId: string | null; requestId: string | null; start: number }[] };
    const placed = plan.items.find((i) => i.requestId === pending.id);
    expect(placed).toMatchObject({ kind: 'track', assetId: alpha.id });
    // Without the request, alpha is not in the rotation at all.
    expect(plan.items.filter((i) => i.assetId === alpha.id && !i.requestId)).toHaveLength(0);

    const played = await held.lease()!.request!(`/api/worker/jobs/${held.lease()!.job.id}/played`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...placed, title: alpha.title, artist: '' }) });
    expect(played.status).toBe(200);
    const after = await queue();
    expect(after.find((r) => r.id === pending.id)).toMatchObject({ status: 'played' });
  });

  it('carry a name and a message for the team as plain text, and show listeners their own requests', async () => {
    const post = (body: object, ip: string) => api(server, 'POST', `/api/channels/by-slug/${channel.slug}/requests`, { body: { assetId: bravo.id, ...body }, headers: { 'x-forwarded-for': ip } });
    const tooLong = await post({ guestId: 'guest-six-6', name: 'x'.repeat(41) }, '10.0.0.6');
    expectApiError(tooLong, 400, 'invalid_input');
    expect(tooLong.body.error.message).toMatch(/name has at most 40 characters/);
    expectApiError(await post({ guestId: 'guest-six-6', message: 'x'.repeat(201) }, '10.0.0.6'), 400, 'invalid_input');

    const markup = '<b>hi</b> & <script>alert(1)</script>';
    const made = await post({ guestId: 'guest-six-6', name: '  Lou  ', message: markup }, '10.0.0.6');
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ name: 'Lou', message: markup });
    expect((await queue()).find((r) => r.id === made.body.id)).toMatchObject({ name: 'Lou', message: markup, status: 'pending' });

    const mine = (query: string) => api(server, 'GET', `/api/channels/by-slug/${channel.slug}/requests${query}`);
    const six = await mine('?guestId=guest-six-6');
    expect(six.status).toBe(200);
    expect(six.body.requests.map((r: SongRequestView) => [r.id, r.status])).toEqual([[made.body.id, 'pending']]);
    // The first guest's request aired in the test before: they see that it played.
    const one = await mine('?guestId=guest-one-1');
    expect(one.body.requests.map((r: SongRequestView) => [r.assetId, r.status])).toEqual([[alpha.id, 'played']]);
    expect((await mine('')).body.requests).toEqual([]);
    expectApiError(await mine('?guestId=%3Cx%3E'), 400, 'invalid_input');
    expectApiError(await api(server, 'GET', '/api/channels/by-slug/nope-nope/requests?guestId=guest-six-6'), 404);
  });
});
