import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createProject, invite, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';

// The media library as people use it: real Chromium, the built server and one real local worker running ffmpeg.
// Processing takes seconds on a 2-core box next to other suites: it gets a longer wait; nothing asserts a duration.
const PROCESSING = 120_000;

const run = promisify(execFile);
let server: RunningServer;
let browser: Browser;
let dir = '';

interface Fixture {
  name: string;
  type: string;
  data: Buffer;
}
let tone: Fixture;
let clip: Fixture;
let fake: Fixture;
let still: Fixture;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airstudio-library-e2e-'));
  const ffmpeg = (...args: string[]) => run('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'error', '-y', ...args]);
  await Promise.all([
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=4', '-c:a', 'libmp3lame', '-b:a', '128k', path.join(dir, 'tone.mp3')),
    ffmpeg(
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=3',
      '-f', 'lavfi', '-i', 'sine=frequency=660:duration=3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
      path.join(dir, 'clip.mp4')
    ),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=160x120', '-frames:v', '1', path.join(dir, 'still.png'))
  ]);
  tone = { name: 'tone.mp3', type: 'audio/mpeg', data: await readFile(path.join(dir, 'tone.mp3')) };
  clip = { name: 'clip.mp4', type: 'video/mp4', data: await readFile(path.join(dir, 'clip.mp4')) };
  still = { name: 'still.png', type: 'image/png', data: await readFile(path.join(dir, 'still.png')) };
  fake = { name: 'notes.mp3', type: 'audio/mpeg', data: Buffer.from('Running order for Monday:\n1. News\n2. Weather\n3. Traffic\n'.repeat(20)) };

  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Hydrated and joined to the project's live events. */
async function libraryLive(page: Page) {
  await page.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });
}

async function openLibrary(page: Page, projectId: string) {
  await page.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
  await libraryLive(page);
}

/** Drops files on the library as a file manager would: dragenter, dragover, drop with a DataTransfer holding real File objects. */
async function dropFiles(page: Page, files: Fixture[]) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: f.data.toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const f of items) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
  const zone = page.locator('[data-dropzone]');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await page.getByText('Drop files to upload').waitFor({ timeout: WAIT });
  await zone.dispatchEvent('drop', { dataTransfer });
  await dataTransfer.dispose();
}

const card = (page: Page, title: string) => page.locator(`article.asset-card[data-asset-title="${title}"]`);
const upload = (page: Page, name: string) => page.locator(`[data-upload="${name}"]`);

describe('media library in the browser', () => {
  let owner: Page;
  let viewer: Page;
  let projectId: string;

  it('a viewer drops two files, sees them uploaded and processed as pending; the owner sees them live and approves one', async () => {
    owner = await signUp(browser, server, 'olga', 'Olga Owner', { reportErrors: true });
    viewer = await signUp(browser, server, 'vic', 'Vic Viewer', { reportErrors: true });
    projectId = await createProject(owner, server, 'Morning show');
    await invite(owner, 'vic', 'viewer');

    // From the studio to the library by its link; an empty library says what to do.
    await owner.getByRole('link', { name: 'Library', exact: true }).click();
    await owner.waitForURL(`${server.url}/projects/${projectId}/library`, { timeout: WAIT });
    await libraryLive(owner);
    await owner.getByText('No media yet').waitFor({ timeout: WAIT });
    await owner.getByText('No jobs yet — uploads and renders show up here.').waitFor({ timeout: WAIT });

    // Before the owner allows it, a viewer's library says why uploads are off.
    await openLibrary(viewer, projectId);
    await viewer.getByText('Viewers cannot upload to this project.').first().waitFor({ timeout: WAIT });
    expect(await viewer.getByRole('button', { name: 'Upload files' }).isDisabled()).toBe(true);

    const toggle = owner.getByRole('switch', { name: 'Viewers may upload (their uploads wait for approval)' });
    await Promise.all([
      owner.waitForResponse((r) => r.url().endsWith(`/api/projects/${projectId}`) && r.request().method() === 'PATCH' && r.ok(), { timeout: WAIT }),
      toggle.check()
    ]);
    expect(await toggle.isChecked()).toBe(true);
    // The owner's page stays as it is from here on: a reload would lose this marker.
    await owner.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = 42));

    await openLibrary(viewer, projectId);
    expect(await viewer.getByRole('button', { name: 'Upload files' }).isEnabled()).toBe(true);
    // Read-only for viewers: no selection, no bulk actions.
    expect(await viewer.getByLabel('Select all on this page').count()).toBe(0);

    await dropFiles(viewer, [tone, clip]);
    await upload(viewer, 'tone.mp3').waitFor({ timeout: WAIT });
    await upload(viewer, 'clip.mp4').waitFor({ timeout: WAIT });
    for (const name of ['tone.mp3', 'clip.mp4']) {
      await viewer.locator(`[data-upload="${name}"][data-state="done"]`).waitFor({ timeout: PROCESSING });
      expect(await upload(viewer, name).innerText()).toContain('Done · waits for approval');
    }

    // Both processed: a waveform drawn for the audio, a poster loaded for the video; both wait for approval.
    await card(viewer, 'tone').and(viewer.locator('[data-processing="ready"]')).waitFor({ timeout: PROCESSING });
    await card(viewer, 'clip').and(viewer.locator('[data-processing="ready"]')).waitFor({ timeout: PROCESSING });
    await card(viewer, 'tone').locator('[data-waveform="drawn"]').waitFor({ timeout: WAIT });
    expect(await card(viewer, 'tone').getByRole('img', { name: 'Waveform of tone' }).isVisible()).toBe(true);
    const poster = card(viewer, 'clip').getByRole('img', { name: 'Poster of clip' });
    await poster.waitFor({ timeout: WAIT });
    await viewer.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await poster.elementHandle(), { timeout: WAIT });
    for (const title of ['tone', 'clip']) {
      expect(await card(viewer, title).getAttribute('data-status')).toBe('pending');
      expect(await card(viewer, title).innerText()).toContain('Pending');
    }

    // The owner's open library got them live, processed, without a reload.
    await card(owner, 'tone').and(owner.locator('[data-processing="ready"]')).waitFor({ timeout: PROCESSING });
    await card(owner, 'clip').and(owner.locator('[data-processing="ready"]')).waitFor({ timeout: PROCESSING });
    expect(await owner.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(42);

    // The owner approves the tone from its details; the drawer shows the loudness the worker measured.
    await owner.getByRole('button', { name: 'Open tone' }).click();
    const drawer = owner.getByRole('dialog', { name: 'tone' });
    await drawer.waitFor({ timeout: WAIT });
    await drawer.locator('[data-loudness]').waitFor({ timeout: WAIT });
    expect(await drawer.locator('[data-loudness]').innerText()).toMatch(/LUFS → −1[56](\.\d)? LUFS/);
    // The player's waveform (wavesurfer.js on the drawer's own <audio>): a click at 3/4 of its width seeks there.
    const wave = drawer.locator('[data-waveform="drawn"]');
    await wave.waitFor({ timeout: WAIT });
    const box = (await wave.boundingBox())!;
    await owner.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    await expect.poll(() => drawer.locator('audio').evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: WAIT }).toBeGreaterThan(2);
    await drawer.getByRole('button', { name: 'Approve' }).click();
    await card(owner, 'tone').and(owner.locator('[data-status="approved"]')).waitFor({ timeout: WAIT });
    await owner.screenshot({ path: path.join(os.tmpdir(), 'airstudio-library-drawer.png') });

    // The viewer sees it approved live; the clip still waits.
    await card(viewer, 'tone').and(viewer.locator('[data-status="approved"]')).waitFor({ timeout: WAIT });
    expect(await card(viewer, 'tone').innerText()).toContain('Approved');
    expect(await card(viewer, 'clip').getAttribute('data-status')).toBe('pending');

    // The jobs panel lists both processing jobs, succeeded.
    const succeeded = viewer.locator('[data-job-type="media.process"][data-job-status="succeeded"]');
    await expect.poll(() => succeeded.count(), { timeout: PROCESSING }).toBe(2);
    for (const text of await succeeded.allInnerTexts()) {
      expect(text).toContain('Processing upload');
      expect(text).toContain('Succeeded');
    }
    await viewer.screenshot({ path: path.join(os.tmpdir(), 'airstudio-library.png') });
  }, 300_000);

  it('shows the server’s refusal per file (a text file named .mp3), and says when a file is already there', async () => {
    await dropFiles(viewer, [fake, tone]);
    const refused = upload(viewer, 'notes.mp3');
    await viewer.locator('[data-upload="notes.mp3"][data-state="failed"]').waitFor({ timeout: PROCESSING });
    expect(await refused.getByRole('alert').innerText()).toContain('not a recognisable audio, video or image file');

    // The same tone again: nothing new, and the row says where it is.
    const again = viewer.locator('[data-upload="tone.mp3"][data-state="duplicate"]');
    await again.waitFor({ timeout: PROCESSING });
    expect(await again.innerText()).toContain('Already in the library');
    expect(await viewer.locator('article.asset-card').count()).toBe(2);
  }, 120_000);

  it('the owner searches, switches to the list (remembered), and approves the selection with the keyboard', async () => {
    // Search by `/`, debounced; only the clip is left.
    await owner.keyboard.press('/');
    await owner.keyboard.type('clip');
    await expect.poll(() => owner.locator('article.asset-card').count(), { timeout: WAIT }).toBe(1);
    expect(await card(owner, 'clip').count()).toBe(1);
    await owner.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => owner.locator('article.asset-card').count(), { timeout: WAIT }).toBe(2);

    await owner.getByRole('button', { name: 'List', exact: true }).click();
    await owner.getByRole('table', { name: 'Assets' }).waitFor({ timeout: WAIT });
    await owner.reload({ waitUntil: 'networkidle' });
    await libraryLive(owner);
    await owner.getByRole('table', { name: 'Assets' }).waitFor({ timeout: WAIT });

    // Select all, `a` approves; Escape clears the selection.
    await owner.getByRole('checkbox', { name: 'Select all on this page' }).first().check();
    await owner.getByText('2 selected').waitFor({ timeout: WAIT });
    await owner.keyboard.press('a');
    await owner.locator('tr[data-asset-title="clip"][data-status="approved"]').waitFor({ timeout: WAIT });
    await card(viewer, 'clip').and(viewer.locator('[data-status="approved"]')).waitFor({ timeout: WAIT });
    await owner.keyboard.press('Escape');
    await expect.poll(() => owner.getByText('2 selected').count(), { timeout: WAIT }).toBe(0);

    // A video's details: the proxy plays, and hovering the bar under it previews frames from the sprite sheet.
    await owner.getByRole('button', { name: 'Open clip' }).click();
    const drawer = owner.getByRole('dialog', { name: 'clip' });
    await drawer.locator('video').waitFor({ timeout: WAIT });
    const scrubber = drawer.locator('[data-scrubber]');
    const box = (await scrubber.boundingBox())!;
    await owner.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await drawer.locator('.scrub-preview .frame').waitFor({ timeout: WAIT });
    expect(await drawer.locator('.scrub-time').innerText()).toBe('0:02');
    await owner.screenshot({ path: path.join(os.tmpdir(), 'airstudio-library-video.png') });
    await owner.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached', timeout: WAIT });
  }, 120_000);

  it('an upload whose connection drops resumes by itself and finishes', async () => {
    // The first attempt to send the bytes dies mid-request, as on a flaky network; tus retries and continues.
    let patches = 0;
    await viewer.route('**/api/uploads/**', async (route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      if (++patches === 1) return route.abort('connectionreset');
      return route.continue();
    });
    await dropFiles(viewer, [still]);
    const row = viewer.locator('[data-upload="still.png"][data-state="done"]');
    await row.waitFor({ timeout: PROCESSING });
    expect(await row.innerText()).toContain('resumed after a dropped connection');
    expect(patches).toBeGreaterThanOrEqual(2);
    await viewer.unroute('**/api/uploads/**');

    // An image: its thumbnail is shown once processed.
    const thumb = card(viewer, 'still').getByRole('img', { name: 'Thumbnail of still' });
    await thumb.waitFor({ timeout: PROCESSING });
    await viewer.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await thumb.elementHandle(), { timeout: WAIT });
    // And live on the owner's list.
    await owner.locator('tr[data-asset-title="still"][data-processing="ready"]').waitFor({ timeout: PROCESSING });
  }, 120_000);
});
