import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMELINE_RENDER } from '$lib/render';
import type { UserRow } from '$lib/server/db/schema';
import { openDatabase } from '$lib/server/db/database';
import { CreditRepository } from '$lib/server/credit/credit.repository';
import { CreditService } from '$lib/server/credit/credit.service';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

describe.each(DIALECTS)('credit ledger on %s', (kind) => {
  let t: TestApp;
  let operator: UserRow, owner: UserRow, editor: UserRow;
  let projectId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, { CREDITS_START: '10' });
    // The instance's first account is its operator.
    operator = await makeUser(t.app, 'ledgerop');
    [owner, editor] = await Promise.all(['ledgerowner', 'ledgereditor'].map((p) => makeUser(t.app, p)));
    projectId = (await t.app.projects.create(owner, 'Ledger')).id;
    await t.app.projects.addMember(owner, projectId, editor.username, 'editor');
  });
  afterAll(async () => t?.close());

  // A render job as the queue sees it (no sources: no worker runs it here).
  const render = (seconds: number) => t.app.jobs.enqueue(projectId, { type: TIMELINE_RENDER, input: { assets: {} }, createdBy: editor.id, contentSeconds: seconds }).then((r) => r.job);
  const balance = async () => (await t.app.credits.forProject(owner, projectId, { limit: 200 })).balance;
  /** Cancels what earlier tests left queued (refunding it) and sets the balance to `to`. */
  const reset = async (to: number) => {
    for (const j of await t.app.jobs.list(owner, projectId, { status: 'queued', limit: 200 })) await t.app.jobs.cancel(owner, j.id);
    const diff = to - (await balance());
    if (diff) await t.app.credits.grant(operator, { username: owner.username, amount: diff });
  };
  const expectConsistent = async () => {
    const a = await t.app.credits.audit(owner.id);
    expect(a.balance).toBe(a.entrySum);
    expect(a.balance).toBeGreaterThanOrEqual(0);
  };

  it('opens an account with its starting grant, charges a render up front by its minutes, and leaves free jobs free', async () => {
    expect(await balance()).toBe(10);
    const job = await render(90);
    // 1 credit a minute, rounded up: 1.5 min costs 2.
    expect(await balance()).toBe(8);
    await t.app.jobs.enqueue(projectId, { type: 'system.echo', input: null, createdBy: editor.id });
    expect(await balance()).toBe(8);
    const { entries } = await t.app.credits.forProject(owner, projectId, { limit: 200 });
    expect(entries[0]).toMatchObject({ kind: 'charge', amount: -2, balanceAfter: 8, jobId: job.id, jobType: TIMELINE_RENDER, contentMinutes: 1.5, creditsPerMinute: 1, actor: editor.username });
    expect(entries.at(-1)).toMatchObject({ kind: 'grant', amount: 10, balanceAfter: 10, note: 'Starting credits' });
    // The editor sees the project's charges, not the owner's grants.
    expect((await t.app.credits.forProject(editor, projectId, { limit: 200 })).entries.map((e) => e.kind)).not.toContain('grant');
    await t.app.jobs.cancel(owner, job.id);
    await expectConsistent();
  });

  it('refuses a job the balance cannot pay with 402, saying the balance, the price and whom to ask', async () => {
    const before = await balance();
    const err = await render(60 * (before + 1)).catch((e) => e);
    expect(err).toMatchObject({ status: 402, code: 'insufficient_credits' });
    expect(err.message).toContain(`balance is ${before}`);
    expect(err.message).toContain(`costs ${before + 1} credits`);
    expect(err.message).toMatch(/grant credits/);
    expect(await balance()).toBe(before);
    await expectConsistent();
  });

  it('never overdraws under concurrent charges', async () => {
    await reset(20);
    // On PostgreSQL half the charges come through a second connection, as a second web process's would. SQLite
    // serves one web process: its charges queue on the one connection.
    const second = kind === 'postgres' ? openDatabase(t.database.url) : undefined;
    const otherProcess = second && new CreditService(new CreditRepository(second.kysely, second.dialect), t.app.projects, t.app.users, t.app.config.credits);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          i % 2 || !otherProcess ? render(60) : otherProcess.charge({ id: `concurrent-${i}`, projectId, type: TIMELINE_RENDER, createdBy: editor.id }, 60)
        )
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason).toMatchObject({ status: 402 });
    } finally {
      await second?.close();
    }
    expect(await balance()).toBe(0);
    await expectConsistent();
  });

  it('refunds a job that failed for good once, however many times the refund runs at once', async () => {
    await reset(5);
    const job = await render(120);
    expect(await balance()).toBe(3);
    const claimed = await t.app.jobs.claim('w1', { types: [TIMELINE_RENDER], ownerId: null });
    expect(claimed?.job.id).toBe(job.id);
    await t.app.jobs.fail('w1', job.id, 'the encoder crashed', false);
    expect(await balance()).toBe(5);
    await Promise.all(Array.from({ length: 6 }, () => t.app.credits.refund(job, 'again')));
    expect(await balance()).toBe(5);
    const mine = (await t.app.credits.forProject(owner, projectId, { limit: 200 })).entries.filter((e) => e.jobId === job.id);
    expect(mine.map((e) => [e.kind, e.amount])).toEqual([['refund', 2], ['charge', -2]]);
    expect(mine[0].refundOf).toBe(mine[1].id);
    expect(mine[0].note).toContain('the encoder crashed');
    await expectConsistent();
  });

  it('refunds a job canceled before it ran, keeps the charge of one canceled while running, and charges each retry', async () => {
    const queued = await render(60);
    await t.app.jobs.cancel(editor, queued.id);
    expect(await balance()).toBe(5);
    const running = await render(60);
    await t.app.jobs.claim('w2', { types: [TIMELINE_RENDER], ownerId: null });
    await t.app.jobs.cancel(editor, running.id);
    expect(await balance()).toBe(4);
    // Each run pays: the refunded job and the one whose run was spent both pay again when retried.
    await t.app.jobs.retry(editor, queued.id);
    expect(await balance()).toBe(3);
    await t.app.jobs.retry(editor, running.id);
    expect(await balance()).toBe(2);
    await t.app.jobs.cancel(editor, queued.id);
    await t.app.jobs.cancel(editor, running.id);
    expect(await balance()).toBe(4);
    const runs = (await t.app.credits.forProject(owner, projectId, { limit: 200 })).entries.filter((e) => e.jobId === running.id);
    expect(runs.map((e) => e.kind)).toEqual(['refund', 'charge', 'charge']);
    await expectConsistent();
  });

  it('prices follow the operator (the first account) and refuse everyone else', async () => {
    expect((await t.app.users.first())?.id).toBe(operator.id);
    await expect(t.app.credits.setPrices(editor, { 'timeline.render': 0 })).rejects.toMatchObject({ status: 403 });
    await expect(t.app.credits.grant(editor, { username: editor.username, amount: 5 })).rejects.toMatchObject({ status: 403 });
    const prices = await t.app.credits.setPrices(operator, { 'timeline.render': 4, 'tool.cleanup': 2 });
    expect(prices.find((p) => p.jobType === 'timeline.render')).toEqual({ jobType: 'timeline.render', creditsPerMinute: 4, isDefault: false });
    expect(prices.map((p) => p.jobType)).toEqual(['timeline.render', 'tool.cleanup', 'tool.silence', 'tool.scenes', 'tool.stabilize', 'tool.denoise', 'tool.color', 'tool.upscale', 'tool.captions', 'tool.speech', 'ai.video', 'music.generate', 'photo.analyze', 'photo.enhance', 'staging.render', 'listing.render']);
    const before = await balance();
    await render(30);
    expect(await balance()).toBe(before - 2);
    await t.app.credits.setPrices(operator, { 'timeline.render': 1 });
  });
});

describe('credits off', () => {
  it('charges nothing and says so', async () => {
    const t = await createTestApp('sqlite', { CREDITS: 'off', CREDITS_START: '0' });
    try {
      const owner = await makeUser(t.app, 'offowner');
      const { id } = await t.app.projects.create(owner, 'Free');
      const { job } = await t.app.jobs.enqueue(id, { type: TIMELINE_RENDER, input: null, createdBy: owner.id, contentSeconds: 3600 });
      expect(job.status).toBe('queued');
      const credits = await t.app.credits.forProject(owner, id, { limit: 10 });
      expect(credits).toMatchObject({ enabled: false, balance: 0 });
      expect(credits.entries).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
