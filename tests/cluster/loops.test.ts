import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '$lib/editor/model/ids';
import { MUSIC_GENERATE } from '$lib/generator';
import { CHANNEL_LIVE } from '$lib/live';
import { createApp, type App } from '$lib/server/app';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import { loadConfig } from '$lib/server/config';
import { GeneratorRepository } from '$lib/server/generator/generator.repository';
import type { GeneratorEvent } from '$lib/server/generator/generator.service';
import { RedisConnection } from '$lib/server/redis/redis-connection';
import { LeaseLock } from '$lib/server/redis/redis-lock';
import { WebhookRepository } from '$lib/server/webhook/webhook.repository';
import { createLogger } from '$lib/server/log';
import { makeUser } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { dropRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis';
import { waitFor } from '../helpers/yclient';

// The web process's periodic loops with several web processes: each "process" here is a whole App (the real
// composition root) on one shared PostgreSQL database and one Redis prefix, as `npm start` builds it.
let database: TestDatabase;
let prefix: string;
let dataDir: string;
const apps: App[] = [];

beforeAll(async () => {
  database = await createTestDatabase('postgres');
  prefix = testRedisPrefix('loops');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-loops-'));
});

afterAll(async () => {
  for (const app of apps) await closeApp(app);
  await database?.drop();
  await dropRedisPrefix(prefix);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function openApp(): Promise<App> {
  const app = await createApp(
    loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      GENERATOR_TICK_SECONDS: '3600',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_BACKOFF_BASE_MS: '50'
    })
  );
  apps.push(app);
  return app;
}

async function closeApp(app: App): Promise<void> {
  if (!apps.includes(app)) return;
  apps.splice(apps.indexOf(app), 1);
  app.generator.stop();
  app.webhooks.stop();
  app.dj.stop();
  await app.db.close();
  await app.redis?.close();
}

describe('lease lock', () => {
  let redis: RedisConnection;
  beforeAll(async () => {
    redis = await RedisConnection.open({ url: TEST_REDIS_URL, prefix }, createLogger('silent'));
  });
  afterAll(async () => {
    await redis?.close();
  });

  it.each(['redis', 'in-process'] as const)('%s: one holder at a time; only the holder frees it; a lease that ran out can be taken', async (kind) => {
    const one = new LeaseLock(kind === 'redis' ? redis : null);
    // Two processes share Redis; in-process, the lock is one process's own.
    const two = kind === 'redis' ? new LeaseLock(redis) : one;
    const name = `t-${newId()}`;
    const token = await one.acquire(name, 10_000);
    expect(token).toEqual(expect.any(String));
    expect(await two.acquire(name, 10_000)).toBeNull();
    expect(await two.run(name, 10_000, async () => 'ran')).toEqual({ ran: false });
    expect(await two.release(name, 'not-the-token')).toBe(false);
    expect(await two.acquire(name, 10_000)).toBeNull();
    expect(await one.release(name, token!)).toBe(true);
    expect(await two.run(name, 10_000, async () => 'ran')).toEqual({ ran: true, value: 'ran' });
    // Released after the run: free again.
    const short = await one.acquire(name, 30);
    expect(short).not.toBeNull();
    await waitFor(async () => (await two.acquire(name, 10_000)) !== null, 'the short lease to run out', 5000);
    // The first holder's late release does not free the new holder's lease.
    expect(await one.release(name, short!)).toBe(false);
    expect(await one.acquire(name, 10_000)).toBeNull();
  });
});

describe('webhook deliveries with two web processes', () => {
  let receiver: http.Server;
  afterEach(async () => {
    await new Promise((r) => (receiver ? receiver.close(r) : r(null)));
  });

  it('each due delivery is claimed by one process and sent once', async () => {
    const seen: string[] = [];
    receiver = http.createServer((req, res) => {
      seen.push(String(req.headers['x-airstudio-delivery']));
      req.resume();
      // A slow receiver keeps claims in flight while the other process's loop polls.
      setTimeout(() => res.writeHead(200).end('ok'), 30);
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const [a, b] = [await openApp(), await openApp()];
    const outcomes = { a: 0, b: 0 };
    a.webhooks.onOutcome((o) => o.outcome === 'delivered' && outcomes.a++);
    b.webhooks.onOutcome((o) => o.outcome === 'delivered' && outcomes.b++);
    const owner = await makeUser(a, 'hooks');
    const project = await a.projects.create(owner, 'Hooks');
    const hook = await a.webhooks.create(owner, project.id, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['song.changed'], channelId: null, enabled: true });
    // Forty deliveries (the log keeps fifty) that fall due together a moment from now, so both processes' loops find
    // them due at once.
    const repo = new WebhookRepository(a.db.kysely, a.db.dialect);
    const due = Date.now() + 1500;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = newId();
      ids.push(id);
      await repo.addDelivery({ id, webhook_id: hook.id, event: 'ping', body: JSON.stringify({ id, event: 'ping' }), status: 'pending', attempts: 0, next_attempt_at: due, response_code: null, error: null, created_at: due - 1500 + i, updated_at: due });
    }
    await waitFor(async () => (await a.db.kysely.selectFrom('webhook_deliveries').select('id').where('id', 'in', ids).where('status', '=', 'delivered').execute()).length === 40, 'all forty delivered', 30_000);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(outcomes.a + outcomes.b).toBe(40);
    const rows = await a.db.kysely.selectFrom('webhook_deliveries').select(['attempts', 'status']).where('id', 'in', ids).execute();
    expect(rows.every((r) => r.attempts === 1 && r.status === 'delivered')).toBe(true);
    await closeApp(a);
    await closeApp(b);
  });
});

describe('channel generator with two web processes', () => {
  it('a step taken by both at once queues each chunk once and raises depleted once; the alert state outlives a restart', async () => {
    const [a, b] = [await openApp(), await openApp()];
    const owner = await makeUser(a, 'gen');
    const project = await a.projects.create(owner, 'Generator');
    const channel = await a.channels.create(owner, project.id, createChannelSchema.parse({ name: 'Loop FM' }));
    const events: string[] = [];
    const listen = (app: App, name: string) => app.generator.onEvent((e: GeneratorEvent) => e.type !== 'buffer' && events.push(`${name}:${e.type}:${e.reason}`));
    listen(a, 'a');
    listen(b, 'b');
    // Switched on in the database (as another process's update would leave it), then both processes look at once.
    const repo = new GeneratorRepository(a.db.kysely);
    await repo.upsert({ channel_id: channel.id, enabled: 1, prompts: JSON.stringify(['a', 'b']), rotate_seconds: 120, chunk_seconds: 60, thresholds: JSON.stringify({ healthy: 4, warning: 2, critical: 1, emergency: 0.5 }), parallel: 3, playlist_id: null, last_error: null, updated_at: Date.now() });
    for (let round = 0; round < 3; round++) await Promise.all([a.generator.tick(channel.id), b.generator.tick(channel.id), a.generator.tickAll(), b.generator.tickAll()]);

    const chunks = await repo.chunks(channel.id);
    expect(chunks.map((c) => c.seq)).toEqual([1, 2, 3]);
    const jobs = await a.db.kysely.selectFrom('jobs').select(['input']).where('type', '=', MUSIC_GENERATE).execute();
    expect(jobs).toHaveLength(3);
    expect(new Set(jobs.map((j) => (JSON.parse(j.input!) as { chunkId: string }).chunkId))).toEqual(new Set(chunks.map((c) => c.id)));
    expect(events.map((e) => e.slice(2))).toEqual(['depleted:buffer']);
    expect((await repo.find(channel.id))?.depleted).toBe(1);

    // A process started afresh (a restart) sees the same depleted buffer: already announced, nothing again.
    await closeApp(a);
    const c = await openApp();
    listen(c, 'c');
    await Promise.all([c.generator.tick(channel.id), b.generator.tick(channel.id)]);
    expect(events.map((e) => e.slice(2))).toEqual(['depleted:buffer']);

    // Switched off while depleted (through one process): recovered once, whichever process steps.
    await c.generator.update(owner, channel.id, { enabled: false });
    await Promise.all([c.generator.tick(channel.id), b.generator.tick(channel.id)]);
    expect(events.map((e) => e.slice(2))).toEqual(['depleted:buffer', 'recovered:disabled']);
    await closeApp(b);
    await closeApp(c);
  });
});

describe('live job webhooks with two web processes', () => {
  it('a crash is a blip or an offline/online pair once, whichever processes release and hand out the job', { timeout: 60_000 }, async () => {
    const [a, b] = [await openApp(), await openApp()];
    const owner = await makeUser(a, 'live');
    const project = await a.projects.create(owner, 'Live');
    const channel = await a.channels.create(owner, project.id, createChannelSchema.parse({ name: 'Blip FM' }));
    const hook = await a.webhooks.create(owner, project.id, { url: 'http://127.0.0.1:9/hook', events: ['channel.online', 'channel.offline'], channelId: channel.id, enabled: true });
    const sent = async () =>
      (await a.db.kysely.selectFrom('webhook_deliveries').select('event').where('webhook_id', '=', hook.id).orderBy('created_at').orderBy('id').execute()).map((d) => d.event);
    const claim = (app: App, worker: string) => app.jobs.claim(worker, { types: [CHANNEL_LIVE], ownerId: null });

    await a.live.start(owner, channel.id);
    expect((await claim(a, 'w1'))?.job.attempts).toBe(1);
    await waitFor(async () => (await sent()).length === 1, 'channel.online');
    // Crash released through B, back on air through A within the grace: a blip, nothing sent by either.
    expect(await b.jobs.releaseLeasesOf('w1', [CHANNEL_LIVE])).toBe(1);
    expect((await claim(a, 'w2'))?.job.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 11_000));
    expect(await sent()).toEqual(['channel.online']);
    // Crash released through A, nobody takes it within the grace: offline (from A), then online when B hands it out.
    expect(await a.jobs.releaseLeasesOf('w2', [CHANNEL_LIVE])).toBe(1);
    await waitFor(async () => (await sent()).length === 2, 'channel.offline after the grace', 15_000);
    expect((await claim(b, 'w3'))?.job.attempts).toBe(3);
    await waitFor(async () => (await sent()).length === 3, 'channel.online again');
    expect(await sent()).toEqual(['channel.online', 'channel.offline', 'channel.online']);
    await closeApp(a);
    await closeApp(b);
  });
});
