import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoAnalyzeResult } from '$lib/photo-analysis';
import { api, createTeam, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The completion path of POST /api/v1/photos/classify with a real local worker running photo.analyze (the worker of
// the `photo` branch): two photo URLs served from this process → the job completes → the callback carries the result.
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: RunningServer;
let team: Team;
let origin: string;
const callbacks: Received[] = [];
let receiver: http.Server;

beforeAll(async () => {
  // Two small, different photos: a bright sharp one with edges, and a dark blurred one.
  const edges = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#dde3ea"/><rect x="40" y="60" width="120" height="140" fill="#7a4a2a"/><rect x="200" y="30" width="80" height="180" fill="#335577"/></svg>`);
  const photos = [await sharp(edges).jpeg().toBuffer(), await sharp(edges).blur(6).modulate({ brightness: 0.4 }).jpeg().toBuffer()];
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/a.jpg' || req.url === '/b.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photos[req.url === '/a.jpg' ? 0 : 1]);
      callbacks.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startServer({ env: { LOCAL_WORKERS: '1', API_FETCH_ALLOW_PRIVATE: '1', WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_BACKOFF_BASE_MS: '100' } });
  team = await createTeam(server, 'Classify end to end');
}, 60_000);

afterAll(async () => {
  await server?.destroy();
  await new Promise((r) => receiver?.close(r));
});

describe('classify → photo.analyze completes → job.completed callback', () => {
  it('delivers the analysis of both photos to the callbackUrl, signed, and GET /api/v1/jobs/:id shows it', async () => {
    const made = await api(server, 'POST', `/api/projects/${team.projectId}/api-keys`, { token: team.owner.token, body: { name: 'e2e', scopes: ['photos:classify', 'assets:write', 'jobs:read'] } });
    const { key, signingSecret } = made.body as { key: string; signingSecret: string };
    const r = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/a.jpg` }, { url: `${origin}/b.jpg` }], callbackUrl: `${origin}/done` } });
    expect(r.status).toBe(202);
    const jobId: string = r.body.jobs[0].id;
    const assetIds: string[] = r.body.photos.map((p: { assetId: string }) => p.assetId);

    await waitFor(() => callbacks.some((c) => c.headers['x-airstudio-event'] === 'job.completed' || c.headers['x-airstudio-event'] === 'job.failed'), 'the final callback', 170_000);
    const final = callbacks.find((c) => c.headers['x-airstudio-event'] !== 'job.progress')!;
    const payload = JSON.parse(final.body);
    expect(payload.event, final.body).toBe('job.completed');
    const [t, v1] = String(final.headers['x-airstudio-signature']).split(',').map((p) => p.split('=')[1]);
    expect(v1).toBe(createHmac('sha256', signingSecret).update(`${t}.${final.body}`).digest('hex'));
    const result = payload.data.job.result as PhotoAnalyzeResult;
    expect(result.photos.map((p) => p.assetId).sort()).toEqual([...assetIds].sort());
    for (const p of result.photos) {
      expect(p.quality.score).toBeGreaterThanOrEqual(0);
      expect(p.quality.score).toBeLessThanOrEqual(100);
    }
    // The blurred, dark photo scores lower than the sharp one.
    const score = (id: string) => result.photos.find((p) => p.assetId === id)!.quality.score;
    expect(score(assetIds[1])).toBeLessThan(score(assetIds[0]));

    const status = await api(server, 'GET', `/api/v1/jobs/${jobId}`, { token: key });
    expect(status.body).toMatchObject({ id: jobId, status: 'succeeded', progress: 1 });
    expect(status.body.result.photos).toHaveLength(2);
  }, 200_000);
});
