import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import type { BriefJson } from '$lib/brief/brief-json';
import { addPhotos, setListing } from '$lib/editor/model/brief/operations';
import { SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { LISTING_VIDEO_CATEGORY } from '$lib/listing-video';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, ffprobe, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { processed, studioPage, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor } from '../helpers/yclient';

// Issue 7 end to end: real Chromium, the built server, a real worker (listing.render). The brief (three small photos,
// the listing) is set up through the API and a headless Yjs client; from the panel on, every step is a person's click
// or key. Rendering takes tens of seconds on a loaded 2-core box: long waits, nothing asserts a duration.
const RENDER = 240_000;
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir: string;
let page: Page;
const photos: AssetJson[] = [];
let song: AssetJson;
let videoId: string;

const ADDRESS = '4 Birch Close';

beforeAll(async () => {
  dir = await tempDir('airstudio-listing-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '1', LISTING_CLIP_CACHE_DIR: path.join(dir, 'cache') } });
  team = await createTeam(server, 'Listing 4 Birch Close');
  const files = ['0x30405a', '0xd8c8a0', '0x507050'].map((c, i) => [c, path.join(dir, `room-${i}.jpg`)] as const);
  await Promise.all(files.map(([c, file]) => ffmpeg('-f', 'lavfi', '-i', `color=c=${c}:s=800x533,drawgrid=w=80:h=80:t=2:c=white@0.5`, '-frames:v', '1', file)));
  const songFile = path.join(dir, 'clicks.wav');
  // Clicks every half second (120 bpm): enough for the beat tracker, 12 s covers the cut.
  await ffmpeg('-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*1000*t)*exp(-40*mod(t-0.25\\,0.5))*lt(mod(t-0.25\\,0.5)\\,0.08)':s=44100:d=12", songFile);
  for (const [, file] of files) photos.push(await uploadProcessed(server, team.projectId, team.editor, file));
  song = await processed(server, team.editor, (await uploadProcessed(server, team.projectId, team.editor, songFile)).id);

  const setup = connectClient(server.wsUrl, team.projectId, team.owner.token);
  try {
    await setup.synced;
    const pd = new ProjectDoc(setup.doc);
    pd.transact(SERVER_ORIGIN, () => {
      const added = addPhotos(pd.brief.snapshot(), { assetIds: photos.map((p) => p.id), assets: Object.fromEntries(photos.map((p) => [p.id, { kind: 'image', title: p.title }])) });
      if (!added.ok) throw new Error(added.reason);
      pd.brief.apply(added.changes);
      const listing = setListing(pd.brief.snapshot(), { patch: { address: ADDRESS, price: 450000, beds: 2, baths: 1, branding: { name: 'Ann Agent', phone: '+1 555 0100', logoAssetId: null, primaryColor: '#1f2937', accentColor: '#2563eb' } } });
      if (!listing.ok) throw new Error(listing.reason);
      pd.brief.apply(listing.changes);
    });
    await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.owner.token })).body.photos.length === 3, 'the brief reaches the server', WAIT);
  } finally {
    setup.destroy();
  }
  browser = await launchBrowser();
  page = await studioPage(browser, server, team.projectId, team.editor, 'editor', { viewport: { width: 1600, height: 1100 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const panel = () => page.getByRole('region', { name: 'Listing video' });
const timeline = () => page.locator('[data-timeline]');

describe('a listing video from the brief, in Chromium', { timeout: RENDER + 60_000 }, () => {
  it('the panel renders one 16:9 branded cut on the music: progress, then a link to the video, which is in the library', async () => {
    await page.locator('[data-listing-video-open]').click();
    await panel().getByText('3 photos marked for the video').waitFor({ timeout: WAIT });
    // The defaults (16:9 and 9:16 branded, 16:9 unbranded) narrowed to the one wide branded cut.
    await expect(panel().getByLabel('16:9 branded').isChecked()).resolves.toBe(true);
    await panel().getByLabel('9:16 branded').uncheck();
    await panel().getByLabel('16:9 unbranded').uncheck();
    await panel().locator(`[data-listing-music] option[value="${song.id}"]`).waitFor({ state: 'attached', timeout: WAIT });
    await panel().locator('[data-listing-music]').selectOption(song.id);
    await panel().getByLabel('Seconds a photo').fill('1');
    await panel().getByRole('button', { name: 'Render' }).click();

    await panel().locator('[data-listing-video-status] progress').waitFor({ timeout: WAIT });
    const link = panel().locator('[data-listing-video-results] a');
    await link.waitFor({ timeout: RENDER });
    await expect(link.count()).resolves.toBe(1);
    await expect(link.textContent()).resolves.toBe('16:9 branded');
    await expect(panel().locator('[data-listing-video-results] li').textContent()).resolves.toContain('1920×1080');
    videoId = /^\/api\/assets\/([a-z0-9]+)\/file$/.exec((await link.getAttribute('href'))!)![1]!;
    await panel().getByRole('link', { name: 'library' }).waitFor({ timeout: WAIT });

    // The library has it (the timeline's media bin follows the library live), processed, as a Listing video.
    await timeline().locator(`[data-bin-asset="${videoId}"]`).waitFor({ timeout: WAIT });
    const asset = await processed(server, team.editor, videoId);
    expect(asset).toMatchObject({ kind: 'video', category: LISTING_VIDEO_CATEGORY, width: 1920, height: 1080 });
    expect(asset.title).toContain(ADDRESS);
    const file = path.join(dir, 'video.mp4');
    fs.writeFileSync(file, Buffer.from(await (await fetch(`${server.url}${asset.url}`)).arrayBuffer()));
    const probe = await ffprobe(file);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect([video.codec_name, video.width, video.height]).toEqual(['h264', 1920, 1080]);
    expect(probe.streams.some((s) => s.codec_name === 'aac')).toBe(true);
    // Title card 2.5 s, three photos of about a second (cuts move to the nearest beat), end card 3.5 s.
    const seconds = Number(probe.format.duration);
    expect(seconds).toBeGreaterThan(7.5);
    expect(seconds).toBeLessThan(11);
    expect(Math.abs(seconds - asset.duration!)).toBeLessThan(0.2);
  });

  it('"Open in timeline" puts the cut on the timeline as one step; Ctrl+Z in the timeline takes it all back, Ctrl+Shift+Z redoes it', async () => {
    await expect(timeline().getAttribute('data-clips')).resolves.toBe('0');
    await panel().getByRole('button', { name: 'Open in timeline' }).click();
    await panel().getByRole('button', { name: 'In the timeline' }).waitFor({ timeout: WAIT });
    // Three stills, the title card, the end card, the music.
    await page.locator('[data-timeline][data-clips="6"]').waitFor({ timeout: WAIT });
    for (const name of ['Listing photos', 'Listing cards', 'Listing music']) await timeline().locator(`[data-track="${name}"]`).waitFor({ timeout: WAIT });
    await expect(timeline().locator('[data-track="Listing photos"] [data-clip-id]').count()).resolves.toBe(3);
    await timeline().locator('[data-track="Listing cards"] [data-clip-id]').filter({ hasText: ADDRESS }).waitFor({ timeout: WAIT });
    await timeline().locator('[data-track="Listing cards"] [data-clip-id]').filter({ hasText: 'Ann Agent' }).waitFor({ timeout: WAIT });
    await expect(timeline().locator('[data-track="Listing music"] [data-clip-id]').count()).resolves.toBe(1);
    // The server's document has the cut too, the stills in brief order.
    const watcher = connectClient(server.wsUrl, team.projectId, team.owner.token);
    try {
      await watcher.synced;
      const stills = () => new ProjectDoc(watcher.doc).timeline.snapshot().clips.filter((c) => c.keyframes.scale?.length === 2);
      await waitFor(() => stills().length === 3, 'the server has the cut', WAIT);
      expect(stills().sort((a, b) => a.start - b.start).map((c) => c.assetId)).toEqual(photos.map((p) => p.id));
      expect(new ProjectDoc(watcher.doc).timeline.snapshot().transitions).toHaveLength(2);

      await timeline().getByRole('region', { name: 'Tracks' }).focus();
      await page.keyboard.press('Control+z');
      await page.locator('[data-timeline][data-clips="0"]').waitFor({ timeout: WAIT });
      await timeline().getByText('Add a video track and drag media from the library').waitFor({ timeout: WAIT });
      await waitFor(() => new ProjectDoc(watcher.doc).timeline.snapshot().tracks.length === 0, 'the undo reaches the server', WAIT);
      // The panel offers the cut again, and Ctrl+Shift+Z brings it back as it was.
      await panel().locator('[data-listing-video-timeline]:enabled').filter({ hasText: 'Open in timeline' }).waitFor({ timeout: WAIT });
      await page.keyboard.press('Control+Shift+z');
      await page.locator('[data-timeline][data-clips="6"]').waitFor({ timeout: WAIT });
      await panel().getByRole('button', { name: 'In the timeline' }).waitFor({ timeout: WAIT });
    } finally {
      watcher.destroy();
    }
  });
});
