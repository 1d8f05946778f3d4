import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type RunningNginx } from '../../bench/lib/nginx';
import type { WorkerClient } from '../../workers/worker-client';
import { api, createTeam, type Team } from '../helpers/api';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// What shared caches may do with a channel's live HLS (the Cache-Control the web process sends), and Debian's nginx
// with the configuration block of docs/serving-listeners.md doing it. The HLS files are uploaded through the live job's
// lease by a worker over the real protocol, as the live worker uploads them.
const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:900\n#EXTINF:2.000000,\nseg-900.ts\n';

describe('live HLS and shared caches', () => {
  let server: RunningServer;
  let team: Team;
  let worker: WorkerClient | undefined;
  let nginx: RunningNginx | undefined;
  let channel: { id: string; slug: string };

  const get = (base: string, name: string, token?: string) => fetch(`${base}/live/${channel.slug}/${name}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const setVisibility = async (visibility: 'public' | 'private') =>
    expect((await api(server, 'PATCH', `/api/channels/${channel.id}`, { token: team.owner.token, body: { visibility } })).status).toBe(200);

  beforeAll(async () => {
    server = await startServer();
    team = await createTeam(server, 'Cache station');
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Cache FM', visibility: 'public' } });
    expect(created.status).toBe(201);
    channel = created.body;
    const held = await leaseHoldingWorker(server, team.owner, 'hls box');
    worker = held.worker;
    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.owner.token, body: { action: 'start' } })).status).toBe(202);
    await waitFor(() => held.lease() !== undefined, 'the live job on the worker');
    const lease = held.lease()!;
    for (const [name, body, type] of [['seg-900.ts', 'G'.repeat(188), 'video/mp2t'], ['index.m3u8', PLAYLIST, 'application/vnd.apple.mpegurl']]) {
      const r = await lease.request!(`/api/worker/jobs/${lease.job.id}/hls/${name}`, { method: 'PUT', body, headers: { 'content-type': type } });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => {
    await nginx?.stop();
    await worker?.stop();
    await server?.destroy();
  });

  it('a public channel: shared caches may keep the playlist a second (browsers ask every time) and a segment a minute', async () => {
    const playlist = await get(server.url, 'index.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
    expect(await playlist.text()).toContain('seg-900.ts');
    const segment = await get(server.url, 'seg-900.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('a private channel: nothing goes into shared caches, and without the member nothing is served', async () => {
    await setVisibility('private');
    try {
      const playlist = await get(server.url, 'index.m3u8', team.viewer.token);
      expect(playlist.status).toBe(200);
      expect(playlist.headers.get('cache-control')).toBe('private, no-cache');
      const segment = await get(server.url, 'seg-900.ts', team.viewer.token);
      expect(segment.headers.get('cache-control')).toBe('private, max-age=60');
      const anonymous = await get(server.url, 'index.m3u8');
      expect(anonymous.status).toBe(404);
      expect(anonymous.headers.get('cache-control') ?? '').not.toMatch(/public|max-age=[1-9]/);
    } finally {
      await setVisibility('public');
    }
  });

  it('through nginx as docs/serving-listeners.md configures it: public HLS comes from the cache, private never', async () => {
    nginx = await startNginx(`127.0.0.1:${server.port}`);
    const first = await get(nginx.url, 'index.m3u8');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('seg-900.ts');
    const again = await get(nginx.url, 'index.m3u8');
    // Within the playlist's second it is a HIT; if the second just turned, the next one is.
    const status = again.headers.get('x-cache-status') === 'HIT' ? 'HIT' : (await get(nginx.url, 'index.m3u8')).headers.get('x-cache-status');
    expect(status).toBe('HIT');
    await get(nginx.url, 'seg-900.ts');
    expect((await get(nginx.url, 'seg-900.ts')).headers.get('x-cache-status')).toBe('HIT');

    await setVisibility('private');
    try {
      // Once the cached public copy's second is over, the private playlist goes to the web process on every request.
      await new Promise((r) => setTimeout(r, 2100));
      for (let i = 0; i < 3; i++) {
        const member = await get(nginx.url, 'index.m3u8', team.viewer.token);
        expect(member.status).toBe(200);
        expect(member.headers.get('cache-control')).toBe('private, no-cache');
        expect(member.headers.get('x-cache-status')).not.toBe('HIT');
      }
      const anonymous = await get(nginx.url, 'index.m3u8');
      expect(anonymous.status).toBe(404);
    } finally {
      await setVisibility('public');
    }
  });
});
