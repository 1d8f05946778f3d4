import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';
import { verifySignature as verify } from '../helpers/webhook-signature';

// The integration API v1 through the real server, with a local HTTP server in this process that serves photo URLs and
// receives callbacks. No worker runs in this suite (LOCAL_WORKERS=0): jobs stay queued, and a job is ended by
// canceling it (job.failed); the completion path is tests/api/integration-photo-complete.test.ts.
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: RunningServer;
let team: Team;
let origin: string;
let photos: Buffer[];
const received: Received[] = [];
const hits = new Map<string, number>();
let receiver: http.Server;

beforeAll(async () => {
  photos = await Promise.all(['#cc8844', '#4488cc'].map((c) => sharp({ create: { width: 80, height: 60, channels: 3, background: c } }).jpeg().toBuffer()));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      if (path === '/photo-1.jpg' || path === '/photo-2.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photos[Number(path[7]) - 1]);
      // Says it is a JPEG; the content decides.
      if (path === '/fake.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<html>not a photo</html>');
      if (path === '/huge.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.concat([photos[0], Buffer.alloc(200_000)]));
      if (path === '/gone.jpg') return void res.writeHead(404).end('gone');
      received.push({ path, headers: req.headers, body });
      // /flaky fails twice then accepts; anything else accepts.
      res.writeHead(path === '/flaky' && n <= 2 ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Loopback photo URLs and callbacks need the operator's flags; small backoff and fetch limit keep the test short.
  server = await startServer({
    env: { API_FETCH_ALLOW_PRIVATE: '1', API_FETCH_MAX_MB: '0.1', WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_BACKOFF_BASE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '4' }
  });
  team = await createTeam(server, 'Listings API');
}, 60_000);

afterAll(async () => {
  await server?.destroy();
  await new Promise((r) => receiver?.close(r));
});

const ALL = ['photos:classify', 'video:render', 'jobs:read', 'assets:write'];
async function createKey(scopes = ALL, projectId = team.projectId, token = team.editor.token) {
  const r = await api(server, 'POST', `/api/projects/${projectId}/api-keys`, { token, body: { name: 'listing backend', scopes } });
  expect(r.status).toBe(201);
  return r.body as { id: string; key: string; signingSecret: string; scopes: string[] };
}


describe('integration API v1', () => {
  it('manages project API keys: editors create (shown once), viewers may not, revoked and unknown keys get 401', async () => {
    const made = await createKey(['jobs:read']);
    expect(made.key).toMatch(/^ask_/);
    const listed = await api(server, 'GET', `/api/projects/${team.projectId}/api-keys`, { token: team.owner.token });
    expect(listed.body.keys.find((k: { id: string }) => k.id === made.id)).toMatchObject({ name: 'listing backend', scopes: ['jobs:read'] });
    expect(JSON.stringify(listed.body)).not.toContain(made.key.split('.')[1]);
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/api-keys`, { token: team.viewer.token, body: { name: 'x', scopes: ['jobs:read'] } }), 403);
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/api-keys`, { token: team.owner.token, body: { name: 'x', scopes: ['photos:delete'] } }), 400, 'invalid_input');

    // A key opens the integration API only, not the studio's.
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}`, { token: made.key }), 401);
    expectApiError(await api(server, 'GET', '/api/v1/jobs/abc', { token: made.key }), 404, 'not_found');
    expectApiError(await api(server, 'GET', '/api/v1/jobs/abc'), 401, 'unauthorized');
    expectApiError(await api(server, 'GET', '/api/v1/jobs/abc', { token: team.editor.token }), 401, 'unauthorized');
    expect((await api(server, 'DELETE', `/api/api-keys/${made.id}`, { token: team.editor.token })).status).toBe(200);
    expectApiError(await api(server, 'GET', '/api/v1/jobs/abc', { token: made.key }), 401, 'invalid_token');
    expectApiError(await api(server, 'GET', '/api/v1/jobs/abc', { token: `${made.key}x` }), 401, 'invalid_token');
  });

  it('validates requests field by field', async () => {
    const { key } = await createKey();
    expectApiError(await api(server, 'POST', '/api/v1/photos/classify', { token: key, raw: '{"photos": [' }), 400, 'invalid_json');
    const empty = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [] } });
    expectApiError(empty, 400, 'invalid_input');
    expect(empty.body.error.message).toContain('photos');
    const scheme = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: 'ftp://example.com/a.jpg' }] } });
    expectApiError(scheme, 400, 'invalid_input');
    expect(scheme.body.error.message).toContain('photos.0');
    const extra = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/photo-1.jpg` }], colour: 'blue' } });
    expectApiError(extra, 400, 'invalid_input');
    const aspect = await api(server, 'POST', '/api/v1/video/render', { token: key, body: { photos: [{ assetId: 'abc' }], variants: [{ aspect: '3:2', branded: true }] } });
    expectApiError(aspect, 400, 'invalid_input');
    expect(aspect.body.error.message).toContain('variants.0.aspect');
    const price = await api(server, 'POST', '/api/v1/video/render', { token: key, body: { photos: [{ assetId: 'abc' }], listing: { price: -5 } } });
    expectApiError(price, 400, 'invalid_input');
    expect(price.body.error.message).toContain('listing.price');
  });

  it('refuses URLs that are not an image, too big, or broken; the server keeps serving', async () => {
    const { key } = await createKey();
    const notImage = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/photo-1.jpg` }, { url: `${origin}/fake.jpg` }] } });
    expectApiError(notImage, 415, 'not_an_image');
    expect(notImage.body.error.message).toContain('photos.1.url');
    const big = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/huge.jpg` }] } });
    expectApiError(big, 413, 'too_large');
    const gone = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/gone.jpg` }] } });
    expectApiError(gone, 422, 'fetch_failed');
    expect(gone.body.error.message).toContain('404');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('classifies photo URLs: they join the library approved, one photo.analyze job; Idempotency-Key replays it', async () => {
    const { key } = await createKey();
    const body = { photos: [{ url: `${origin}/photo-1.jpg` }, { url: `${origin}/photo-2.jpg` }] };
    const headers = { 'idempotency-key': 'shoot-42' };
    const r = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body, headers });
    expect(r.status).toBe(202);
    expect(r.body.jobs).toHaveLength(1);
    expect(r.body.jobs[0]).toMatchObject({ type: 'photo.analyze', status: 'queued' });
    const assetIds = r.body.photos.map((p: { assetId: string }) => p.assetId);
    expect(r.body.jobs[0].assetIds).toEqual(assetIds);
    for (const id of assetIds) {
      const a = await api(server, 'GET', `/api/assets/${id}`, { token: team.owner.token });
      expect(a.body).toMatchObject({ kind: 'image', status: 'approved', width: 80, height: 60 });
    }

    const again = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body, headers });
    expect(again.status).toBe(202);
    expect(again.body.jobs[0].id).toBe(r.body.jobs[0].id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const jobs = await api(server, 'GET', `/api/projects/${team.projectId}/jobs?type=photo.analyze`, { token: team.owner.token });
    expect(jobs.body.jobs.map((j: { id: string }) => j.id)).toEqual([r.body.jobs[0].id]);
    const reused = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: body.photos.slice(0, 1) }, headers });
    expectApiError(reused, 422, 'idempotency_key_reused');

    const status = await api(server, 'GET', `/api/v1/jobs/${r.body.jobs[0].id}`, { token: key });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ id: r.body.jobs[0].id, type: 'photo.analyze', status: 'queued', progress: 0, result: null, error: null });
  });

  it('GET /api/v1/jobs/:id: only jobs of the key\'s project, and only with jobs:read', async () => {
    const other = await api(server, 'POST', '/api/projects', { token: team.owner.token, body: { name: 'Other listings' } });
    const theirs = await createKey(ALL, other.body.id, team.owner.token);
    const { key } = await createKey();
    const job = await api(server, 'POST', `/api/projects/${other.body.id}/jobs`, { token: team.owner.token, body: { type: 'system.echo', input: 1 } });
    expect((await api(server, 'GET', `/api/v1/jobs/${job.body.id}`, { token: theirs.key })).status).toBe(200);
    expectApiError(await api(server, 'GET', `/api/v1/jobs/${job.body.id}`, { token: key }), 404, 'not_found');
    const noRead = await createKey(['photos:classify']);
    const denied = await api(server, 'GET', `/api/v1/jobs/${job.body.id}`, { token: noRead.key });
    expectApiError(denied, 403, 'missing_scope');
    expect(denied.body.error.message).toContain('jobs:read');
  });

  it('renders a listing video from asset ids as one listing.render job', async () => {
    const { key } = await createKey();
    const c = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/photo-1.jpg` }] } });
    const assetId = c.body.photos[0].assetId;
    const r = await api(server, 'POST', '/api/v1/video/render', {
      token: key,
      body: { photos: [{ assetId }, { url: `${origin}/photo-2.jpg`, focus: { x: 0.5, y: 0.4 } }], listing: { address: '12 Harbour Rd', price: 450000 }, variants: [{ aspect: '9:16', branded: false }] }
    });
    expect(r.status).toBe(202);
    expect(r.body.job).toMatchObject({ type: 'listing.render', status: 'queued' });
    expect(r.body.photos[0].assetId).toBe(assetId);
    const rendererOnly = await createKey(['video:render']);
    const denied = await api(server, 'POST', '/api/v1/video/render', { token: rendererOnly.key, body: { photos: [{ url: `${origin}/photo-1.jpg` }] } });
    expectApiError(denied, 403, 'missing_scope');
    expect(denied.body.error.message).toContain('assets:write');
  });

  it('sends job events to the callbackUrl, signed, retried: fails twice then succeeds → three deliveries with one id', async () => {
    const { key, signingSecret } = await createKey();
    // The project's own webhook subscribed to job events hears the same job.
    const hook = await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: `${origin}/project-hook`, events: ['job.failed'] } });
    expect(hook.status).toBe(201);
    const r = await api(server, 'POST', '/api/v1/photos/classify', { token: key, body: { photos: [{ url: `${origin}/photo-2.jpg` }], callbackUrl: `${origin}/flaky` } });
    expect(r.status).toBe(202);
    const jobId = r.body.jobs[0].id;
    // No photo worker runs here: ending the job by hand is a job.failed (status canceled).
    expect((await api(server, 'POST', `/api/jobs/${jobId}/cancel`, { token: team.owner.token })).status).toBe(200);

    await waitFor(() => received.filter((x) => x.path === '/flaky').length >= 3, 'three callback deliveries', 30_000);
    const flaky = received.filter((x) => x.path === '/flaky');
    expect(flaky).toHaveLength(3);
    const ids = new Set(flaky.map((x) => x.headers['x-airstudio-delivery']));
    expect(ids.size).toBe(1);
    for (const x of flaky) {
      expect(verify(signingSecret, x.headers['x-airstudio-signature'] as string, x.body)).toBe(true);
      expect(verify(hook.body.secret, x.headers['x-airstudio-signature'] as string, x.body)).toBe(false);
      expect(x.headers['x-airstudio-event']).toBe('job.failed');
    }
    const payload = JSON.parse(flaky[0].body);
    expect(payload).toMatchObject({ event: 'job.failed', data: { job: { id: jobId, type: 'photo.analyze', status: 'canceled' } } });
    expect(payload.id).toBe([...ids][0]);

    await waitFor(() => received.some((x) => x.path === '/project-hook'), 'the project webhook', 30_000);
    const projectHit = received.find((x) => x.path === '/project-hook')!;
    expect(verify(hook.body.secret, projectHit.headers['x-airstudio-signature'] as string, projectHit.body)).toBe(true);
    expect(JSON.parse(projectHit.body).data.job.id).toBe(jobId);

    let log: { jobId: string; status: string; attempts: number; url: string }[] = [];
    await waitFor(async () => {
      log = (await api(server, 'GET', `/api/projects/${team.projectId}/callback-deliveries`, { token: team.editor.token })).body;
      return log.some((d) => d.jobId === jobId && d.status === 'delivered');
    }, 'the delivery log to show it delivered');
    expect(log.find((d) => d.jobId === jobId)).toMatchObject({ attempts: 3, url: `${origin}/flaky` });
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/callback-deliveries`, { token: team.viewer.token }), 403);
    // Request callbacks do not show among the project's webhooks.
    const hooks = await api(server, 'GET', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token });
    expect(hooks.body.map((h: { url: string }) => h.url)).toEqual([`${origin}/project-hook`]);
  });

  it('GET /api/metrics: Prometheus text with queue depth, durations, error rates and webhook outcomes for every job type', async () => {
    const r = await fetch(`${server.url}/api/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    const families = new Set<string>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const type = /^# TYPE (\S+) (counter|gauge|summary|histogram)$/.exec(line);
      if (type) families.add(type[1]);
      if (line.startsWith('#')) continue;
      // name{labels} value: every sample line parses, and its value is a number.
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number.isNaN(Number(m![3])) && m![3] !== 'NaN').toBe(false);
    }
    for (const f of ['airstudio_jobs', 'airstudio_job_duration_seconds', 'airstudio_jobs_finished_total', 'airstudio_job_error_ratio', 'airstudio_webhook_deliveries_total']) expect(families).toContain(f);
    expect(text).toMatch(/airstudio_jobs\{type="photo\.analyze",status="queued"\} [1-9]/);
    expect(text).toMatch(/airstudio_jobs\{type="listing\.render",status="queued"\} [1-9]/);
    expect(text).toMatch(/airstudio_jobs\{type="tool\.cleanup",status="running"\} 0/);
    expect(text).toMatch(/airstudio_job_duration_seconds\{quantile="0\.99",type="media\.process"\} /);
    expect(text).toMatch(/airstudio_jobs_finished_total\{type="photo\.analyze",status="canceled"\} [1-9]/);
    expect(text).toMatch(/airstudio_webhook_deliveries_total\{target="callback",outcome="retrying"\} 2/);
    expect(text).toMatch(/airstudio_webhook_deliveries_total\{target="callback",outcome="delivered"\} 1/);
  });
});
