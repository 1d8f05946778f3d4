import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import fs from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { UserRow } from '$lib/server/db/schema';
import type { ApiKeyPrincipal } from '$lib/server/api-key/api-key.service';
import { ApiError } from '$lib/server/http/api-error';
import { createApiKeySchema } from '$lib/server/api-key/api-key.schema';
import { PHOTO_ANALYZE_JOB } from '$lib/photo-analysis';
import { LISTING_RENDER_JOB } from '$lib/listing-video';
import { classifyRequestSchema, renderRequestSchema } from '$lib/server/integration/integration.schema';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

/** The ApiError a promise rejects with (fails the test when it resolves or throws something else). */
async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err
  );
  if (!(e instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(e)}`);
  return e;
}

// Project API keys, idempotency and request callbacks through the real services on each database; HTTP is in tests/api/integration-api.test.ts.
describe.each(DIALECTS)('integration API services on %s', (kind) => {
  let t: TestApp;
  let owner: UserRow;
  let editor: UserRow;
  let viewer: UserRow;
  let projectId: string;
  let otherProjectId: string;
  let full: ApiKeyPrincipal;
  let imageAssetId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    [owner, editor, viewer] = await Promise.all([makeUser(t.app, 'own'), makeUser(t.app, 'edi'), makeUser(t.app, 'vie')]);
    projectId = (await t.app.projects.create(owner, 'Listings')).id;
    otherProjectId = (await t.app.projects.create(owner, 'Elsewhere')).id;
    await t.app.projects.addMember(owner, projectId, editor.username, 'editor');
    await t.app.projects.addMember(owner, projectId, viewer.username, 'viewer');
    const created = await t.app.apiKeys.create(editor, projectId, { name: 'backend', scopes: ['photos:classify', 'video:render', 'jobs:read', 'assets:write'] });
    full = (await t.app.apiKeys.authenticate(created.key!))!;
    // One real photo in the library, ingested as an upload is.
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#88aacc' } }).png().toBuffer();
    const file = t.app.storage.tempPath('test');
    await fs.writeFile(file, png);
    const sha256 = createHash('sha256').update(png).digest('hex');
    imageAssetId = (await t.app.assets.ingest({ projectId, user: editor, file, sha256, bytes: png.length, originalName: 'room.png' })).asset.id;
  }, 60_000);
  afterAll(async () => t?.close());

  it('creates keys for owners and editors, shows the key once, keeps only its SHA-256, and revokes', async () => {
    const made = await t.app.apiKeys.create(owner, projectId, createApiKeySchema.parse({ name: ' reader ', scopes: ['jobs:read', 'jobs:read'] }));
    expect(made.key).toMatch(/^ask_[a-z0-9]+\.[a-z0-9]+$/);
    expect(made.signingSecret).toMatch(/^whsec_/);
    expect(made.scopes).toEqual(['jobs:read']);
    expect(made.name).toBe('reader');
    const secret = made.key!.split('.')[1];
    const row = await t.app.db.kysely.selectFrom('project_api_keys').selectAll().where('id', '=', made.id).executeTakeFirstOrThrow();
    expect(Buffer.from(row.secret_hash).toString('hex')).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify({ ...row, secret_hash: Buffer.from(row.secret_hash).toString('hex') })).not.toContain(secret);

    const listed = await t.app.apiKeys.list(editor, projectId);
    expect(listed.map((k) => k.id)).toContain(made.id);
    expect(listed.every((k) => k.key === undefined && k.signingSecret === undefined)).toBe(true);

    const principal = await t.app.apiKeys.authenticate(made.key!);
    expect(principal).toMatchObject({ projectId, scopes: ['jobs:read'], actor: { id: owner.id } });
    expect((await t.app.apiKeys.list(owner, projectId)).find((k) => k.id === made.id)!.lastUsedAt).not.toBeNull();
    expect(await t.app.apiKeys.authenticate(`${made.key!.split('.')[0]}.wrongsecret`)).toBeNull();
    expect(await t.app.apiKeys.authenticate('ask_nonsense')).toBeNull();

    expect((await apiError(t.app.apiKeys.create(viewer, projectId, { name: 'x', scopes: ['jobs:read'] }))).status).toBe(403);
    expect((await apiError(t.app.apiKeys.revoke(viewer, made.id))).status).toBe(403);
    expect((await t.app.apiKeys.revoke(editor, made.id)).revokedAt).not.toBeNull();
    expect(await t.app.apiKeys.authenticate(made.key!)).toBeNull();
    expect((await apiError(t.app.apiKeys.revoke(editor, made.id))).code).toBe('already_revoked');
  });

  it('stops a key whose creator lost edit rights', async () => {
    const made = await t.app.apiKeys.create(editor, projectId, { name: 'temp', scopes: ['jobs:read'] });
    const demoted = await makeUser(t.app, 'dem');
    await t.app.projects.addMember(owner, projectId, demoted.username, 'editor');
    const theirs = await t.app.apiKeys.create(demoted, projectId, { name: 'theirs', scopes: ['jobs:read'] });
    expect(await t.app.apiKeys.authenticate(theirs.key!)).not.toBeNull();
    await t.app.projects.addMember(owner, projectId, demoted.username, 'viewer');
    expect(await t.app.apiKeys.authenticate(theirs.key!)).toBeNull();
    expect(await t.app.apiKeys.authenticate(made.key!)).not.toBeNull();
  });

  it('names the missing scope in a 403', async () => {
    const reader = (await t.app.apiKeys.authenticate((await t.app.apiKeys.create(owner, projectId, { name: 'r', scopes: ['jobs:read'] })).key!))!;
    const e = await apiError(t.app.integration.classify(reader, classifyRequestSchema.parse({ photos: [{ assetId: imageAssetId }] })));
    expect(e.status).toBe(403);
    expect(e.message).toContain('photos:classify');
    // Naming a photo by URL adds it to the library: that needs assets:write too.
    const classifier = (await t.app.apiKeys.authenticate((await t.app.apiKeys.create(owner, projectId, { name: 'c', scopes: ['photos:classify'] })).key!))!;
    const e2 = await apiError(t.app.integration.classify(classifier, classifyRequestSchema.parse({ photos: [{ url: 'https://example.com/a.jpg' }] })));
    expect(e2.status).toBe(403);
    expect(e2.message).toContain('assets:write');
  });

  it('queues photo.analyze and listing.render with the contracts\' inputs, and reads only its own project\'s jobs', async () => {
    const classified = await t.app.integration.classify(full, classifyRequestSchema.parse({ photos: [{ assetId: imageAssetId }, { assetId: imageAssetId }], writeToBrief: true }));
    expect(classified.status).toBe(202);
    const body = classified.body as { jobs: { id: string; type: string; status: string; assetIds: string[] }[] };
    expect(body.jobs).toHaveLength(1);
    expect(body.jobs[0]).toMatchObject({ type: PHOTO_ANALYZE_JOB, status: 'queued', assetIds: [imageAssetId] });
    const row = await t.app.jobRepository.findById(body.jobs[0].id);
    expect(JSON.parse(row!.input!)).toEqual({ assetIds: [imageAssetId], writeToBrief: true });
    expect(row!.created_by).toBe(editor.id);
    expect(await t.app.integration.job(full, body.jobs[0].id)).toMatchObject({ id: body.jobs[0].id, status: 'queued', progress: 0 });

    const rendered = await t.app.integration.render(full, renderRequestSchema.parse({ photos: [{ assetId: imageAssetId, focus: { x: 0.3, y: 0.6 } }], listing: { address: '1 Elm St', beds: 3 } }));
    const job = (rendered.body as { job: { id: string; type: string } }).job;
    expect(job.type).toBe(LISTING_RENDER_JOB);
    const input = JSON.parse((await t.app.jobRepository.findById(job.id))!.input!);
    expect(input.photos).toEqual([{ assetId: imageAssetId, stagedAssetId: null, focus: { x: 0.3, y: 0.6 } }]);
    expect(input.listing).toMatchObject({ address: '1 Elm St', beds: 3, currency: 'USD' });
    expect(input.variants).toEqual([{ aspect: '16:9', branded: true }]);

    const unknown = await apiError(t.app.integration.render(full, renderRequestSchema.parse({ photos: [{ assetId: 'nosuchasset' }] })));
    expect([unknown.status, unknown.code]).toEqual([404, 'asset_not_found']);
    expect(unknown.message).toContain('photos.0.assetId');

    const elsewhere = await t.app.jobs.enqueue(otherProjectId, { type: 'system.echo', input: 1 });
    expect((await apiError(t.app.integration.job(full, elsewhere.job.id))).status).toBe(404);
  });

  it('holds a photo.analyze job until its photo is processed, then lets it run', async () => {
    const r = await t.app.integration.classify(full, classifyRequestSchema.parse({ photos: [{ assetId: imageAssetId }] }));
    const jobId = (r.body as { jobs: { id: string }[] }).jobs[0].id;
    const runAfter = async () => Number((await t.app.jobRepository.findById(jobId))!.run_after);
    expect(await runAfter()).toBeGreaterThan(Date.now() + 60_000);
    // A worker processes the upload (media.process) through the real queue.
    const claimed = await t.app.jobs.claim('media-worker', { types: ['media.process'], ownerId: null });
    expect(claimed?.job.input).toMatchObject({ assetId: imageAssetId });
    expect(await t.app.jobs.complete('media-worker', claimed!.job.id, { probe: {}, duration: null, width: 64, height: 48, variants: [] })).toBe(true);
    for (let i = 0; i < 100 && (await runAfter()) > Date.now(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(await runAfter()).toBeLessThanOrEqual(Date.now());
    // Photos already processed: the next job may run at once.
    const next = await t.app.integration.classify(full, classifyRequestSchema.parse({ photos: [{ assetId: imageAssetId }] }));
    const nextId = (next.body as { jobs: { id: string }[] }).jobs[0].id;
    expect(Number((await t.app.jobRepository.findById(nextId))!.run_after)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses loopback and private URLs unless the operator allows them', async () => {
    const e = await apiError(t.app.integration.classify(full, classifyRequestSchema.parse({ photos: [{ url: 'http://127.0.0.1:9/a.png' }] })));
    expect([e.status, e.code]).toEqual([400, 'private_address']);
    expect(e.message).toContain('photos.0.url');
    const cb = await apiError(t.app.integration.classify(full, classifyRequestSchema.parse({ photos: [{ assetId: imageAssetId }], callbackUrl: 'http://localhost:9/hook' })));
    expect([cb.status, cb.code]).toEqual([400, 'private_address']);
    expect(cb.message).toMatch(/^callbackUrl: /);
  });

  it('answers an Idempotency-Key once: replays the same request, refuses another (422), frees the key when the run fails', async () => {
    let runs = 0;
    const run = async () => ({ status: 202, body: { run: ++runs } });
    const first = await t.app.integration.idempotent(full, 'order-1', 'POST /x {"a":1}', run);
    const again = await t.app.integration.idempotent(full, 'order-1', 'POST /x {"a":1}', run);
    expect(first).toEqual({ status: 202, body: { run: 1 }, replayed: false });
    expect(again).toEqual({ status: 202, body: { run: 1 }, replayed: true });
    const other = await apiError(t.app.integration.idempotent(full, 'order-1', 'POST /x {"a":2}', run));
    expect([other.status, other.code]).toEqual([422, 'idempotency_key_reused']);
    expect(runs).toBe(1);

    await apiError(t.app.integration.idempotent(full, 'order-2', 'POST /x {}', async () => Promise.reject(new ApiError(400, 'bad', 'no'))));
    expect((await t.app.integration.idempotent(full, 'order-2', 'POST /x {}', run)).body).toEqual({ run: 2 });

    let release!: () => void;
    const slow = t.app.integration.idempotent(full, 'order-3', 'POST /x {}', () => new Promise((r) => (release = () => r({ status: 202, body: {} }))));
    await new Promise((r) => setTimeout(r, 200));
    expect((await apiError(t.app.integration.idempotent(full, 'order-3', 'POST /x {}', run))).code).toBe('idempotency_key_in_use');
    release();
    await slow;
    expect((await apiError(t.app.integration.idempotent(full, 'bad key', 'POST /x {}', run))).status).toBe(400);
  });

  it('keeps request callbacks out of the project\'s webhook list, and sends job events to them', async () => {
    const { job } = await t.app.jobs.enqueue(projectId, { type: 'system.echo', input: 2 });
    await t.app.webhooks.addCallback(projectId, job.id, 'https://example.com/cb', full.signingSecret);
    expect(await t.app.webhooks.list(owner, projectId)).toEqual([]);
    await t.app.webhooks.dispatchJob('job.completed', job, { job: { id: job.id } });
    const log = await t.app.webhooks.callbackDeliveries(editor, projectId);
    expect(log.some((d) => d.jobId === job.id && d.event === 'job.completed' && d.url === 'https://example.com/cb')).toBe(true);
    expect((await apiError(t.app.webhooks.callbackDeliveries(viewer, projectId))).status).toBe(403);
  });

  it('throttles job.progress per job and ends with job.completed, as a worker reports through the queue', async () => {
    const { job } = await t.app.jobs.enqueue(projectId, { type: 'system.sleep', input: { ms: 1 } });
    await t.app.webhooks.addCallback(projectId, job.id, 'https://example.com/progress', full.signingSecret);
    const claimed = await t.app.jobs.claim('test-worker', { types: ['system.sleep'], ownerId: null });
    expect(claimed?.job.id).toBe(job.id);
    for (const p of [0.2, 0.4, 0.6]) await t.app.jobs.progress('test-worker', job.id, p, null);
    expect(await t.app.jobs.complete('test-worker', job.id, { slept: 1 })).toBe(true);
    let events: string[] = [];
    // Deliveries are queued as the job events arrive (asynchronously): wait until the final one is there.
    for (let i = 0; i < 100 && !events.includes('job.completed'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      events = (await t.app.webhooks.callbackDeliveries(editor, projectId)).filter((d) => d.jobId === job.id).map((d) => d.event);
    }
    expect(events.sort()).toEqual(['job.completed', 'job.progress']);
  });
});
