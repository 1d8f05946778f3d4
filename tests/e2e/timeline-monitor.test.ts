import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import { newTrack } from '$lib/editor/model/timeline/track';
import { createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, h264, picture, sine, tempDir, writeTone } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The live program monitor plays the cut: picture, every track's sound (volume, mute) and titles, in the canvas's
// aspect. Real Chromium, the built server, one real local worker. Nothing asserts a duration.

let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let video: AssetJson;
let tone: AssetJson;
/** A headless collaborator that builds the cut (audio track, tone, title) through the shared document. */
let script: YClient;

const LENGTH = 16;

beforeAll(async () => {
  dir = await tempDir('airstudio-monitor-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Monitor cut');
  const clipFile = path.join(dir, 'scene.mp4');
  await ffmpeg(...picture(LENGTH), ...sine(LENGTH, 330), '-shortest', ...h264, '-c:a', 'aac', clipFile);
  video = await uploadProcessed(server, team.projectId, team.owner, clipFile);
  const toneFile = path.join(dir, 'music.mp3');
  await writeTone(toneFile, { seconds: LENGTH + 2, frequency: 550 });
  tone = await uploadProcessed(server, team.projectId, team.owner, toneFile);

  // V1: c1 [0,16) · A1: m1 [0,16) from source 1 s, volume 0.5 · T1: title tt [0,16) "Hello monitor".
  script = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await script.synced;
  const [o1, o2, o3] = keysBetween(null, null, 3);
  new ProjectDoc(script.doc).transact(userOrigin(team.owner.id), (p) =>
    p.timeline.apply([
      { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o1 }) },
      { op: 'insert', kind: 'track', record: newTrack({ id: 'a1', kind: 'audio', name: 'A1', order: o2 }) },
      { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'T1', order: o3 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: video.id, start: 0, in: 0, out: LENGTH }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'm1', trackId: 'a1', assetId: tone.id, start: 0, in: 1, out: LENGTH + 1, volume: 0.5 }) },
      { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 0, duration: LENGTH, text: 'Hello monitor' }) }
    ])
  );
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  script?.destroy();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type Media = { paused: boolean; muted: boolean; volume: number; currentTime: number; src: string };
const sound = (page: Page, trackId: string) => page.locator(`audio[data-monitor-sound="${trackId}"]`);
const mediaState = (page: Page, trackId: string): Promise<Media> =>
  sound(page, trackId).evaluate((el: HTMLAudioElement) => ({ paused: el.paused, muted: el.muted, volume: el.volume, currentTime: el.currentTime, src: el.currentSrc }));

describe('live program monitor', () => {
  it('shows the title, plays the audio track at its volume, mutes it with M, and follows the frame size', async () => {
    const page = await newPage(browser, 'A', { viewport: { width: 1600, height: 1000 } });
    await openProject(await logIn(page, server.url, team.owner), server.url, team.projectId);
    await page.locator('[data-clip-id="tt"]').waitFor({ timeout: WAIT });

    // Playhead to 3 s (Home, then three Shift+→ of one second each).
    const tracks = page.getByRole('region', { name: 'Tracks' });
    await tracks.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.locator('[data-playhead="3.000"]').waitFor({ timeout: WAIT });

    // The picture is V1's clip; the title is drawn over it, its font scaled from 1080 canvas pixels to the monitor.
    await page.locator('[data-monitor-clip="c1"]').waitFor({ timeout: WAIT });
    const title = page.locator('[data-monitor-titles] [data-title-clip="tt"]');
    await title.waitFor({ timeout: WAIT });
    expect(await title.textContent()).toBe('Hello monitor');
    expect(await title.isVisible()).toBe(true);
    const frame = page.locator('[data-monitor-frame]');
    const landscape = (await frame.boundingBox())!;
    expect(landscape.width).toBeGreaterThan(landscape.height);
    const fontPx = parseFloat(await title.evaluate((el) => getComputedStyle(el).fontSize));
    expect(fontPx).toBeCloseTo((96 * landscape.height) / 1080, 0);

    // Paused: the audio track's element sits on the tone at source 1 + 3 s, at the clip's volume, not playing.
    const a1 = sound(page, 'a1');
    await page.locator('audio[data-monitor-sound="a1"][data-monitor-sound-clip="m1"]').waitFor({ state: 'attached', timeout: WAIT });
    await waitFor(async () => Math.abs((await mediaState(page, 'a1')).currentTime - 4) < 0.05, 'the audio element seeked to source 4 s', WAIT);
    let state = await mediaState(page, 'a1');
    expect(state).toMatchObject({ paused: true, muted: false });
    expect(state.volume).toBeCloseTo(0.5, 5);
    // It plays the tone's broadcast copy (same file path; the signature may differ).
    expect(new URL(state.src).pathname).toBe(new URL(tone.variants.find((v) => v.name === 'broadcast')!.url, server.url).pathname);
    expect(await a1.getAttribute('aria-label')).toBe('Program sound: A1');

    // Space plays: the element plays and its time advances, still at half volume.
    await tracks.focus();
    await page.keyboard.press(' ');
    await waitFor(async () => !(await mediaState(page, 'a1')).paused, 'the audio track plays', WAIT);
    const t0 = (await mediaState(page, 'a1')).currentTime;
    await waitFor(async () => (await mediaState(page, 'a1')).currentTime > t0 + 0.2, 'the audio track’s time advances', WAIT);
    state = await mediaState(page, 'a1');
    expect(state.paused).toBe(false);
    expect(state.muted).toBe(false);
    expect(state.volume).toBeCloseTo(0.5, 5);

    // M on A1 mutes its element (the server's document has the muted track).
    await page.getByRole('button', { name: 'Mute A1', exact: true }).click();
    await waitFor(async () => (await mediaState(page, 'a1')).muted, 'the muted track’s element is muted', WAIT);
    expect(new ProjectDoc(script.doc).timeline.snapshot().tracks.find((t) => t.id === 'a1')?.muted).toBe(true);
    await tracks.focus();
    await page.keyboard.press(' ');
    await waitFor(async () => (await mediaState(page, 'a1')).paused, 'Space pauses the audio track', WAIT);

    // Hiding the title track takes the title off the picture.
    await page.getByRole('button', { name: 'Hide T1', exact: true }).click();
    await title.waitFor({ state: 'detached', timeout: WAIT });

    // 9:16: the monitor's picture box turns portrait (letterboxed in the same black screen).
    await page.getByLabel('Frame size').selectOption('portrait');
    await page.locator('[data-monitor-frame="1080x1920"]').waitFor({ timeout: WAIT });
    const portrait = (await frame.boundingBox())!;
    expect(portrait.height).toBeGreaterThan(portrait.width);
    expect(portrait.width / portrait.height).toBeCloseTo(1080 / 1920, 1);
  }, 180_000);
});
