import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { PodcastEpisodeJson, PodcastJson } from '$lib/podcast';
import type { WorkerClient } from '../../workers/worker-client';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { ffmpeg, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The channel page's Podcast card in real Chromium: create the podcast, see the recordings (uploaded over the worker
// protocol by a stub holding the live job's lease, as the recorder does), publish a range as an episode with the
// keyboard, unpublish it, and publish the feed.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir: string;
let worker: WorkerClient | undefined;

const recName = (ms: number) => `rec-${new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.m4a`;

beforeAll(async () => {
  server = await startServer();
  team = await createTeam(server, 'Podcast card');
  browser = await launchBrowser();
  dir = await tempDir('airstudio-podcast-card-');
});

afterAll(async () => {
  await worker?.stop();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the Podcast card', () => {
  it('creates a podcast and publishes an episode cut from the recordings', async () => {
    const made = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Card FM', recordingEnabled: true } });
    expect(made.status).toBe(201);
    const channel = made.body as { id: string };
    const stub = await leaseHoldingWorker(server, team.owner, 'card stub');
    worker = stub.worker;
    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } })).status).toBe(202);
    await waitFor(() => !!stub.lease(), 'the stub holds the live job', WAIT);
    const lease = stub.lease()!;
    const T = Math.floor((Date.now() - 3600_000) / 1000) * 1000;
    for (const [i, f] of [440, 660].entries()) {
      const file = path.join(dir, recName(T + i * 10_000));
      await ffmpeg(...sine(10, f), '-c:a', 'aac', '-b:a', '128k', '-f', 'ipod', file);
      const put = await lease.request!(`/api/worker/jobs/${lease.job.id}/recordings/${path.basename(file)}`, { method: 'PUT', body: new Uint8Array(fs.readFileSync(file)) });
      expect(put.status).toBe(201);
    }

    // UTC in the browser: the datetime fields then read as the ISO times below.
    const page = await newPage(browser, 'podcast editor', { timezoneId: 'UTC' });
    await logIn(page, server.url, team.editor);
    await page.goto(`${server.url}/projects/${team.projectId}/channels/${channel.id}`, { waitUntil: 'networkidle' });
    const card = page.locator('[data-podcast-card]');
    await card.locator('[data-podcast-empty]').waitFor({ timeout: WAIT });
    expect(await card.locator('[data-recording]').count()).toBe(2);

    await card.getByLabel('Title', { exact: true }).fill('Card <FM> & Friends');
    await card.getByLabel('Description', { exact: true }).fill('Shows from the card.');
    await card.getByLabel('Author').fill('Card FM');
    await card.getByLabel('Category').selectOption('News');
    await card.getByRole('button', { name: 'Create podcast' }).click();
    await card.getByRole('status').filter({ hasText: 'Podcast created.' }).waitFor({ timeout: WAIT });
    const feedUrl = await card.getByLabel('Feed URL').inputValue();
    expect(feedUrl).toBe(`${server.url}/podcasts/card-fm-friends/feed.xml`);
    await card.getByText('No episodes yet.').waitFor({ timeout: WAIT });

    // A range across both files, entered and submitted with the keyboard.
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    await card.getByLabel('Start', { exact: true }).fill(iso(T + 4_000));
    await card.getByLabel('End', { exact: true }).fill(iso(T + 16_000));
    await card.getByLabel('Episode title').fill('First hour');
    await card.getByLabel('Episode title').press('Enter');
    await card.getByRole('status').filter({ hasText: 'Episode published from the recordings.' }).waitFor({ timeout: WAIT });
    const row = card.locator('[data-episode]').filter({ hasText: 'First hour' });
    await row.getByText('in the feed').waitFor({ timeout: WAIT });

    const podcast = ((await api(server, 'GET', `/api/channels/${channel.id}/podcasts`, { token: team.viewer.token })).body as { podcasts: PodcastJson[] }).podcasts[0];
    const episodes = ((await api(server, 'GET', `/api/podcasts/${podcast.id}/episodes`, { token: team.viewer.token })).body as { episodes: PodcastEpisodeJson[] }).episodes;
    expect(episodes.map((e) => e.title)).toEqual(['First hour']);
    expect(Math.abs(episodes[0].duration - 12)).toBeLessThanOrEqual(0.5);
    expect(podcast.published).toBe(false);
    expect((await fetch(feedUrl)).status).toBe(404);

    // Publish the podcast from the card: the feed is public and lists the episode.
    await card.getByLabel('Published').check();
    await card.getByRole('button', { name: 'Save podcast' }).click();
    await card.getByRole('status').filter({ hasText: 'Podcast saved.' }).waitFor({ timeout: WAIT });
    const feed = await fetch(feedUrl);
    expect(feed.status).toBe(200);
    const xml = await feed.text();
    expect(xml).toContain('<title>Card &lt;FM&gt; &amp; Friends</title>');
    expect(xml).toContain('<title>First hour</title>');

    // Unpublish: out of the feed.
    await row.getByRole('button', { name: 'Unpublish' }).click();
    await row.getByText('unpublished').waitFor({ timeout: WAIT });
    expect(await (await fetch(feedUrl)).text()).not.toContain('First hour');
  }, 120_000);
});
