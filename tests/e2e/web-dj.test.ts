import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { NowPlayingView } from '$lib/live';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startLiveChannel } from '../helpers/live-channel';
import { tempDir } from '../helpers/media';
import { freePort, startServer, type RunningServer } from '../helpers/server';

// The Web DJ as an editor uses it: real Chromium with its fake microphone (a beeping test source), the built server
// with its nginx-rtmp ingest and a local worker airing the channel.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('airstudio-webdj-');
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', INGEST_RTMP_PORT: String(await freePort()), INGEST_RTMP_HOST: '127.0.0.1' } });
  browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required']);
  team = await createTeam(server, 'Web DJ');
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('Web DJ', () => {
  it('goes live from the microphone on the channel page, now playing shows it, and AutoDJ returns on End live', async () => {
    const channel = await startLiveChannel(server, team, dir, { name: 'Mic FM', seconds: 7 });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: 'airstudio_session', value: team.editor.token, url: server.url }]);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${server.url}/projects/${team.projectId}/channels/${channel.id}`, { waitUntil: 'networkidle' });

    const card = page.locator('section.takeover');
    await card.locator('[data-ingest-url]').waitFor({ timeout: WAIT });
    expect(await card.locator('[data-ingest-url]').textContent()).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    await expect.poll(() => card.locator('[data-takeover-source]').textContent(), { timeout: WAIT }).toContain('AutoDJ has the air');

    // The meter moves with the fake microphone's beeps.
    await card.getByRole('button', { name: 'Test microphone' }).click();
    await expect.poll(async () => Number(await card.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuenow')), { timeout: WAIT }).toBeGreaterThan(0);

    await card.getByRole('button', { name: 'Go live' }).click();
    await card.locator('[data-webdj-live]').waitFor({ timeout: WAIT });
    const nowPlaying = async () => ((await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`)).body as NowPlayingView).now;
    await expect.poll(async () => (await nowPlaying())?.kind, { timeout: 30_000 }).toBe('live');
    expect((await nowPlaying())?.title).toBe(`Live: ${team.editor.username}`);
    await expect.poll(() => card.locator('[data-takeover-source]').textContent(), { timeout: WAIT }).toContain('is on air');

    await card.getByRole('button', { name: 'End live' }).click();
    await expect.poll(async () => (await nowPlaying())?.kind, { timeout: 30_000 }).toBe('track');
    await expect.poll(() => card.locator('[data-takeover-source]').textContent(), { timeout: WAIT }).toContain('AutoDJ has the air');
    expect(await card.locator('[data-webdj-error]').allTextContents()).toEqual([]);
    await context.close();
  }, 180_000);
});
