import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { NowPlayingView } from '$lib/live';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startLiveChannel } from '../helpers/live-channel';
import { tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The stream page in real Chromium on a phone-sized screen, against a real station on air (local worker, HLS).
let server: RunningServer;
let team: Team;
let browser: Browser;
let dir: string;

// A phone: small viewport, touch, mobile user agent behaviour.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

beforeAll(async () => {
  // A per-address chat limit the test can reach without racing a clock: 6 messages, then blocked for minutes.
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', CHAT_RATE_MESSAGES: '6', CHAT_RATE_SECONDS: '600', CHAT_BLOCK_SECONDS: '600' } });
  team = await createTeam(server, 'Stream page');
  dir = await tempDir('airstudio-stream-');
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const nowPlaying = async (slug: string) => (await api<NowPlayingView>(server, 'GET', `/api/channels/by-slug/${slug}/now-playing`)).body;

async function send(page: Page, text: string) {
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
  // Sent (the box empties) or refused (an error shows): the next message waits for this one's answer.
  await page.waitForFunction(() => document.querySelector('textarea')?.value === '' || !!document.querySelector('[data-chat-error]'), undefined, { timeout: WAIT });
}

describe('the stream page', () => {
  it('says plainly when a station does not exist or is off air', async () => {
    const page = await newPage(browser, 'guest-404', PHONE);
    const missing = await page.goto(`${server.url}/s/no-such-station`);
    expect(missing?.status()).toBe(404);
    await page.getByText('There is no station at this address').waitFor({ timeout: WAIT });

    const priv = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Secret FM', visibility: 'private' } });
    expect(priv.status).toBe(201);
    expect((await page.goto(`${server.url}/s/${priv.body.slug}`))?.status()).toBe(404);

    const quiet = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Quiet FM', visibility: 'public' } });
    expect(quiet.status).toBe(201);
    const r = await page.goto(`${server.url}/s/${quiet.body.slug}`, { waitUntil: 'networkidle' });
    expect(r?.status()).toBe(200);
    await page.getByText('The station is off air right now').waitFor({ timeout: WAIT });
    await expect(page.locator('[data-now-title]').count()).resolves.toBe(0);
    // Installable: the page links its manifest, which names the channel; its icon is a PNG.
    expect(await page.locator('link[rel="manifest"]').getAttribute('href')).toBe(`/s/${quiet.body.slug}/manifest.webmanifest`);
    const manifest = await api(server, 'GET', `/s/${quiet.body.slug}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ name: 'Quiet FM', start_url: `/s/${quiet.body.slug}`, display: 'standalone' });
    const icon = await fetch(`${server.url}${manifest.body.icons[0].src}`);
    expect(icon.headers.get('content-type')).toBe('image/png');
    await page.context().close();
  }, 60_000);

  it('plays in one tap on a phone, shows now playing, counts the listener, and carries a safe, moderated chat', async () => {
    const channel = await startLiveChannel(server, team, dir, { name: 'Tone FM', seconds: 14 });

    const guest = await newPage(browser, 'guest', PHONE);
    const dialogs: string[] = [];
    guest.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await guest.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    await guest.getByRole('button', { name: 'Play' }).tap();

    // The audio advances: hls.js is fetching, decoding and playing the live stream.
    await guest.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 2, undefined, { timeout: 60_000 });
    await guest.locator('[data-player-status="playing"]').waitFor({ timeout: WAIT });
    expect(await guest.evaluate(() => document.querySelector('audio')!.paused)).toBe(false);
    // The delay behind live is measured from the stream's program date time and shown.
    await guest.locator('[data-delay]').waitFor({ timeout: WAIT });

    // Now playing matches the API (the page follows the audio, a few seconds behind: they agree within an item).
    const titles = channel.assets.map((a) => a.title);
    await waitFor(
      async () => {
        const shown = await guest.locator('[data-now-title]').innerText();
        return titles.includes(shown) && shown === (await nowPlaying(channel.slug)).now?.title;
      },
      'the page shows the title the API has on air',
      60_000
    );

    // The lock screen shows the same title, with the channel as album.
    await guest.waitForFunction(() => {
      const m = navigator.mediaSession.metadata;
      return !!m && m.title === document.querySelector('[data-now-title]')?.textContent && m.album === 'Tone FM' && navigator.mediaSession.playbackState === 'playing';
    }, undefined, { timeout: WAIT });

    // One listener while the guest plays: in the API, on the page, and in the studio.
    await waitFor(async () => (await nowPlaying(channel.slug)).listeners === 1, 'the API counts the guest', WAIT);
    await guest.locator('[data-listeners="1"]').waitFor({ timeout: WAIT });
    const member = await logIn(await newPage(browser, 'owner'), server.url, team.owner);
    await openProject(member, server.url, team.projectId);
    await member.locator(`[data-channel-slug="${channel.slug}"] [data-listeners="1"]`).waitFor({ timeout: WAIT });

    // Chat: the guest reads along, picks a nickname, and talks with a member.
    await member.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    await guest.getByRole('textbox', { name: 'Nickname' }).fill('Nightowl');
    await guest.getByRole('button', { name: 'Join chat' }).tap();
    await guest.locator('[data-chat-you]').filter({ hasText: 'Nightowl' }).waitFor({ timeout: WAIT });
    await member.locator('[data-chat-you]').filter({ hasText: 'Owner' }).waitFor({ timeout: WAIT });

    await send(guest, 'hello from the phone');
    await member.locator('[data-message-body]', { hasText: 'hello from the phone' }).waitFor({ timeout: WAIT });
    await send(member, 'welcome, night owl');
    await guest.locator('[data-message-body]', { hasText: 'welcome, night owl' }).waitFor({ timeout: WAIT });

    // Markup is text: shown as typed, no script element made, no dialog.
    const attack = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await send(guest, attack);
    for (const p of [guest, member]) {
      const body = p.locator('[data-message-body]').filter({ hasText: '<script>alert(1)</script>' });
      await body.waitFor({ timeout: WAIT });
      expect(await body.innerText()).toBe(attack);
      expect(await p.evaluate(() => [...document.scripts].some((s) => s.textContent?.includes('alert(1)')) || document.querySelectorAll('[data-message-body] *').length > 0)).toBe(false);
    }
    expect(dialogs).toEqual([]);

    // A moderator deletes the guest's first message: it disappears for the guest too.
    const first = member.locator('li[data-message-id]').filter({ hasText: 'hello from the phone' });
    await first.getByLabel('Moderate the message from Nightowl').click();
    await first.getByRole('button', { name: 'Delete' }).click();
    await guest.locator('[data-message-body]', { hasText: 'hello from the phone' }).waitFor({ state: 'detached', timeout: WAIT });
    await member.locator('[data-message-body]', { hasText: 'hello from the phone' }).waitFor({ state: 'detached', timeout: WAIT });

    // Over the rate limit: the refusal is shown inline, in plain words.
    for (let i = 1; i <= 4 && !(await guest.locator('[data-chat-error]').count()); i++) await send(guest, `message ${i}`);
    await expect(guest.locator('[data-chat-error]').innerText()).resolves.toMatch(/You are sending too fast: wait \d+ s/);

    // A network blip: the phone goes offline until the audio stalls, then back; playback resumes untouched.
    await guest.context().setOffline(true);
    await guest.locator('[data-player-status="playing"]').waitFor({ state: 'detached', timeout: 90_000 });
    const stalledAt = await guest.evaluate(() => document.querySelector('audio')!.currentTime);
    await guest.context().setOffline(false);
    await guest.locator('[data-player-status="playing"]').waitFor({ timeout: 90_000 });
    await guest.waitForFunction((t) => document.querySelector('audio')!.currentTime > t + 2, stalledAt, { timeout: 60_000 });

    // Pausing stops the count at once (the page says it stopped), for the API and the studio.
    await guest.getByRole('button', { name: 'Pause' }).tap();
    await waitFor(async () => (await nowPlaying(channel.slug)).listeners === 0, 'the count drops when the guest pauses', WAIT);
    await member.goto(`${server.url}/projects/${team.projectId}`, { waitUntil: 'networkidle' });
    await member.locator(`[data-channel-slug="${channel.slug}"] [data-listeners="0"]`).waitFor({ timeout: WAIT });

    await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
  }, 300_000);

  it('shows a video channel as video: one tap plays the 720p picture with its sound', async () => {
    const channel = await startLiveChannel(server, team, dir, { name: 'Test Card TV', kind: 'video', seconds: 8 });
    const guest = await newPage(browser, 'guest-video', PHONE);
    await guest.goto(`${server.url}/s/${channel.slug}`, { waitUntil: 'networkidle' });
    // A picture in place of the audio-only player, inline on a phone, not muted, waiting for the tap.
    const video = guest.locator('video');
    await video.waitFor({ timeout: WAIT });
    expect(await guest.locator('audio').count()).toBe(0);
    // The picture replaces the audio player's artwork.
    expect(await guest.locator('.player .art').count()).toBe(0);
    expect(await video.evaluate((v: HTMLVideoElement) => ({ inline: v.playsInline, muted: v.muted, paused: v.paused }))).toEqual({ inline: true, muted: false, paused: true });

    await guest.getByRole('button', { name: 'Play' }).tap();
    await guest.waitForFunction(() => {
      const v = document.querySelector('video');
      return !!v && v.videoWidth === 1280 && v.videoHeight === 720 && v.currentTime > 2;
    }, undefined, { timeout: 60_000 });
    await guest.locator('[data-player-status="playing"]').waitFor({ timeout: WAIT });
    const t = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await guest.waitForFunction((t0) => document.querySelector('video')!.currentTime > t0 + 2, t, { timeout: WAIT });
    // Its sound plays too: not muted, and Chromium has decoded audio from the stream.
    const sound = await video.evaluate((v: HTMLVideoElement & { webkitAudioDecodedByteCount?: number }) => ({ muted: v.muted, decoded: v.webkitAudioDecodedByteCount ?? 0 }));
    expect(sound.muted).toBe(false);
    expect(sound.decoded).toBeGreaterThan(0);

    // Tapping the picture pauses it, as the Pause button does.
    await video.tap();
    await guest.locator('[data-player-status="paused"]').waitFor({ timeout: WAIT });
    expect(await video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
    await guest.context().close();
    await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
  }, 300_000);
});
