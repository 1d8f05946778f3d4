import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobJson } from '$lib/job';
import type { UserRow } from '$lib/server/db/schema';
import { openDatabase, type Db } from '$lib/server/db/database';
import { backoffDelay } from '$lib/server/job/backoff';
import { JobRepository } from '$lib/server/job/job.repository';
import { JobService, type JobEvent } from '$lib/server/job/job.service';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

const LEASE = 10_000;

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within [step/2, step]', () => {
    const policy = { baseMs: 1000, maxMs: 20_000 };
    for (const [attempt, step] of [[1, 1000], [2, 2000], [3, 4000], [4, 8000], [5, 16_000], [6, 20_000], [9, 20_000]] as const) {
      expect(backoffDelay(attempt, policy, () => 0)).toBe(step / 2);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBe(step);
      const d = backoffDelay(attempt, policy);
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});

describe.each(DIALECTS)('job queue on %s', (kind) => {
  let t: TestApp;
  let owner: UserRow, viewer: UserRow, other: UserRow;
  let projectId: string;
  const clock = { now: 1_800_000_000_000 };
  let jobs: JobService;
  let events: JobEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind);
    [owner, viewer, other] = await Promise.all(['jobowner', 'jobviewer', 'jobother'].map((p) => makeUser(t.app, p)));
    projectId = (await t.app.projects.create(owner, 'Queue')).id;
    await t.app.projects.addMember(owner, projectId, viewer.username, 'viewer');
    // A service on a controlled clock and a fixed jitter, over the real repository and database.
    jobs = new JobService(
      new JobRepository(t.app.db.kysely, t.app.db.dialect),
      t.app.projects,
      t.app.logger,
      { leaseMs: LEASE, defaultMaxAttempts: 3, backoff: { baseMs: 1000, maxMs: 60_000 } },
      () => clock.now,
      () => 0.5
    );
    jobs.onEvent((e) => events.push(e));
  });
  afterAll(async () => t?.close());

  const enqueue = (o: Partial<Parameters<JobService['enqueue']>[1]> = {}) => jobs.enqueue(projectId, { type: 'test.work', input: { n: 1 }, ...o }).then((r) => r.job);
  const claim = (worker: string, types = ['test.work']) => jobs.claim(worker, { types, ownerId: null }).then((r) => r?.job);
  const status = async (id: string) => (await jobs.get(owner, id)).status;

  /** Drains whatever else earlier tests left queued, so each test sees only its own jobs. */
  async function drain(type = 'test.work') {
    for (let j = await claim('drain', [type]); j; j = await claim('drain', [type])) await jobs.complete('drain', j.id, null);
  }

  it('claims atomically under contention: 40 jobs, 8 racing workers (and a second connection), each job once', async () => {
    await drain();
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => enqueue({ input: { i } })));
    // A second, independent connection to the same database, as a second web process would have.
    const second: Db = openDatabase(t.database.url);
    const otherProcess = new JobService(new JobRepository(second.kysely, second.dialect), t.app.projects, t.app.logger, jobs.config, () => clock.now);
    const claimed: string[] = [];
    try {
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const service = w % 2 ? otherProcess : jobs;
          for (;;) {
            const r = await service.claim(`w${w}`, { types: ['test.work'], ownerId: null });
            if (!r) break;
            claimed.push(r.job.id);
            expect(r.job.status).toBe('running');
            expect(r.job.worker).toBe(`w${w}`);
          }
        })
      );
    } finally {
      await second.close();
    }
    expect(claimed.length).toBe(40);
    expect(new Set(claimed).size).toBe(40);
    expect(new Set(claimed)).toEqual(new Set(created.map((j) => j.id)));
    for (const id of claimed) await jobs.complete((await jobs.get(owner, id)).worker!, id, { ok: true });
  });

  it('hands out higher priority first, and nothing before run_after', async () => {
    await drain();
    const low = await enqueue({ priority: 0 });
    const later = await enqueue({ priority: 50, runAfter: clock.now + 5000 });
    const high = await enqueue({ priority: 10 });
    expect((await claim('w'))!.id).toBe(high.id);
    expect((await claim('w'))!.id).toBe(low.id);
    expect(await claim('w')).toBeUndefined();
    clock.now += 5000;
    expect((await claim('w'))!.id).toBe(later.id);
    for (const j of [low, later, high]) await jobs.complete('w', j.id, null);
  });

  it('deduplicates by idempotency key within a project', async () => {
    const a = await jobs.enqueue(projectId, { type: 'test.work', input: { v: 1 }, idempotencyKey: 'render:42' });
    const b = await jobs.enqueue(projectId, { type: 'test.work', input: { v: 2 }, idempotencyKey: 'render:42' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    expect(b.job.input).toEqual({ v: 1 });
    // The same key in another project is another job.
    const elsewhere = (await t.app.projects.create(owner, 'Other')).id;
    const c = await jobs.enqueue(elsewhere, { type: 'test.work', input: {}, idempotencyKey: 'render:42' });
    expect(c.created).toBe(true);
    await jobs.cancel(owner, a.job.id);
    await jobs.cancel(owner, c.job.id);
  });

  it('retries with exponential backoff, keeps the error, and fails after the last attempt', async () => {
    await drain();
    const job = await enqueue({ maxAttempts: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const c = await claim('w');
      expect(c?.id).toBe(job.id);
      expect(c?.attempts).toBe(attempt);
      expect(await jobs.fail('w', job.id, `boom ${attempt}`)).toBe(true);
      const after = await jobs.get(owner, job.id);
      if (attempt < 3) {
        expect(after.status).toBe('queued');
        expect(after.error).toBe(`boom ${attempt}`);
        delays.push(after.runAfter - clock.now);
        // Not claimable until the backoff has passed.
        expect(await claim('w')).toBeUndefined();
        clock.now = after.runAfter;
      } else {
        expect(after.status).toBe('failed');
        expect(after.error).toBe('boom 3');
        expect(after.completedAt).toBe(clock.now);
      }
    }
    // With jitter fixed at 0.5: 3/4 of 1 s, then 3/4 of 2 s.
    expect(delays).toEqual([750, 1500]);
    expect(events.filter((e) => e.job.id === job.id).map((e) => e.change)).toEqual(['queued', 'started', 'retrying', 'started', 'retrying', 'started', 'failed']);
  });

  it('fails at once on a permanent error', async () => {
    await drain();
    const job = await enqueue({ maxAttempts: 5 });
    await claim('w');
    await jobs.fail('w', job.id, 'bad input', false);
    expect(await jobs.get(owner, job.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'bad input' });
  });

  it('re-queues a job whose lease expired, and the old worker can no longer finish it', async () => {
    await drain();
    const job = await enqueue({ maxAttempts: 2 });
    await claim('dead');
    clock.now += LEASE - 1;
    expect(await jobs.releaseExpiredLeases()).toBe(0);
    // Heartbeats keep it alive.
    expect(await jobs.heartbeat('dead', [job.id])).toEqual([]);
    clock.now += LEASE - 1;
    expect(await jobs.releaseExpiredLeases()).toBe(0);
    clock.now += 2;
    expect(await jobs.releaseExpiredLeases()).toBe(1);
    expect(await jobs.get(owner, job.id)).toMatchObject({ status: 'queued', worker: null });
    expect((await jobs.get(owner, job.id)).error).toMatch(/stopped responding/);
    expect((await claim('alive'))?.id).toBe(job.id);
    // The dead worker comes back: its heartbeat says stop, its result is refused.
    expect(await jobs.heartbeat('dead', [job.id])).toEqual([job.id]);
    expect(await jobs.complete('dead', job.id, { from: 'dead' })).toBe(false);
    expect(await jobs.complete('alive', job.id, { from: 'alive' })).toBe(true);
    expect(await jobs.get(owner, job.id)).toMatchObject({ status: 'succeeded', result: { from: 'alive' }, attempts: 2 });
  });

  it('fails a job whose lease expires on its last attempt', async () => {
    await drain();
    const job = await enqueue({ maxAttempts: 1 });
    await claim('dead');
    clock.now += LEASE + 1;
    await jobs.releaseExpiredLeases();
    const after = await jobs.get(owner, job.id);
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/last attempt/);
  });

  it("releases a gone worker's leases of the given types at once: re-queued to run now, or failed on the last attempt; other types and workers keep theirs", async () => {
    await drain();
    await drain('test.live');
    const live = await enqueue({ type: 'test.live', maxAttempts: 3, priority: 2 });
    const lastTry = await enqueue({ type: 'test.live', maxAttempts: 1, priority: 1 });
    const render = await enqueue();
    expect((await claim('gone', ['test.live']))?.id).toBe(live.id);
    expect((await claim('gone', ['test.live']))?.id).toBe(lastTry.id);
    expect((await claim('gone'))?.id).toBe(render.id);
    const elsewhere = await enqueue({ type: 'test.live' });
    expect((await claim('alive', ['test.live']))?.id).toBe(elsewhere.id);
    events = [];
    const before = clock.now;

    expect(await jobs.releaseLeasesOf('gone', ['test.live'])).toBe(2);
    // Well within the lease: nothing waited for it to expire.
    expect(clock.now).toBe(before);
    const requeued = await jobs.get(owner, live.id);
    expect(requeued).toMatchObject({ status: 'queued', worker: null, runAfter: before, attempts: 1 });
    expect(requeued.error).toMatch(/disconnected/);
    expect(await jobs.get(owner, lastTry.id)).toMatchObject({ status: 'failed', worker: null });
    expect((await jobs.get(owner, lastTry.id)).error).toMatch(/last attempt/);
    expect(events.map((e) => [e.job.id, e.change])).toEqual([[live.id, 'retrying'], [lastTry.id, 'failed']]);
    // A render job keeps its lease semantics; another worker's live job stays with it.
    expect(await jobs.get(owner, render.id)).toMatchObject({ status: 'running', worker: 'gone' });
    expect(await jobs.get(owner, elsewhere.id)).toMatchObject({ status: 'running', worker: 'alive' });
    // Claimable right away, and the gone worker's heartbeat is told to stop it.
    expect((await claim('back', ['test.live']))?.id).toBe(live.id);
    expect(await jobs.heartbeat('gone', [live.id, render.id])).toEqual([live.id]);
    expect(await jobs.releaseLeasesOf('gone', ['test.live'])).toBe(0);
    for (const [w, id] of [['back', live.id], ['gone', render.id], ['alive', elsewhere.id]]) expect(await jobs.complete(w, id, null)).toBe(true);
  });

  it('cancels queued and running jobs; the running worker is told to stop', async () => {
    await drain();
    const queued = await enqueue();
    expect((await jobs.cancel(owner, queued.id)).status).toBe('canceled');
    expect(await claim('w')).toBeUndefined();
    const running = await enqueue();
    await claim('w');
    events = [];
    const canceled = await jobs.cancel(owner, running.id);
    expect(canceled.status).toBe('canceled');
    // The event names the worker that held it, which is how the gateway finds whom to tell.
    expect(events.find((e) => e.change === 'canceled')?.job.worker).toBe('w');
    expect(await jobs.heartbeat('w', [running.id])).toEqual([running.id]);
    expect(await jobs.complete('w', running.id, {})).toBe(false);
    expect(await status(running.id)).toBe('canceled');
    await expect(jobs.cancel(owner, running.id)).rejects.toMatchObject({ status: 409 });
  });

  it('retries a failed or canceled job with fresh attempts; refuses to retry a running one', async () => {
    await drain();
    const job = await enqueue({ maxAttempts: 1 });
    await claim('w');
    await expect(jobs.retry(owner, job.id)).rejects.toMatchObject({ status: 409 });
    await jobs.fail('w', job.id, 'nope');
    const again = await jobs.retry(owner, job.id);
    expect(again).toMatchObject({ status: 'queued', attempts: 0, error: null });
    expect((await claim('w'))?.id).toBe(job.id);
    await jobs.complete('w', job.id, 1);
  });

  it('lets viewers see jobs but only control their own; hides jobs from outsiders', async () => {
    const job = await enqueue({ createdBy: owner.id });
    expect((await jobs.get(viewer, job.id)).id).toBe(job.id);
    await expect(jobs.cancel(viewer, job.id)).rejects.toMatchObject({ status: 403 });
    await expect(jobs.get(other, job.id)).rejects.toMatchObject({ status: 404 });
    await expect(jobs.list(other, projectId, {})).rejects.toMatchObject({ status: 404 });
    const mine = await enqueue({ createdBy: viewer.id });
    expect((await jobs.cancel(viewer, mine.id)).status).toBe('canceled');
    await jobs.cancel(owner, job.id);
    const listed = await jobs.list(viewer, projectId, { status: 'canceled', limit: 500 });
    expect(listed.some((j: JobJson) => j.id === mine.id)).toBe(true);
  });

  it('gives a user-scoped worker only jobs of projects its owner owns', async () => {
    await drain();
    const theirs = (await t.app.projects.create(other, 'Not yours')).id;
    const foreign = (await jobs.enqueue(theirs, { type: 'test.scoped', input: {} })).job;
    const own = (await jobs.enqueue(projectId, { type: 'test.scoped', input: {} })).job;
    const got = await jobs.claim('scoped', { types: ['test.scoped'], ownerId: owner.id });
    expect(got?.job.id).toBe(own.id);
    expect(await jobs.claim('scoped', { types: ['test.scoped'], ownerId: owner.id })).toBeUndefined();
    expect((await jobs.claim('operator', { types: ['test.scoped'], ownerId: null }))?.job.id).toBe(foreign.id);
  });

  it('reports queue depth per type', async () => {
    await drain();
    await enqueue();
    await enqueue();
    await claim('w');
    const depth = await jobs.queueDepth();
    expect(depth['test.work']).toEqual({ queued: 1, running: 1 });
  });
});
