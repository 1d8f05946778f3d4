import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { colorForId } from '$lib/editor/model/presence';
import { createTeam, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The timeline's collaborative interactions as two editors use them at once: real Chromium, the built server.
// Everything is built from titles (no media to process), so each step is about the timeline itself. Steps build
// on each other: one cut is edited from the first test to the last. Nothing asserts a duration.
const ZOOM = 60;

let server: RunningServer;
let browser: Browser;
let team: Team;
let a: Page;
let b: Page;
let aContext: BrowserContext;

async function openStudio(user: TestUser, name: string, context?: BrowserContext): Promise<Page> {
  // A second tab of a logged-in context shares its session.
  const page = context ? await context.newPage() : await logIn(await newPage(browser, name, { viewport: { width: 1900, height: 1000 } }), server.url, user);
  return openProject(page, server.url, team.projectId);
}

const tracksRegion = (page: Page) => page.getByRole('region', { name: 'Tracks' });
const playheadOf = async (page: Page) => Number(await page.locator('[data-playhead]').getAttribute('data-playhead'));
const clipAt = (page: Page, start: string) => page.locator(`[data-clip-id][data-start="${start}"]`);

/** Each page's clips as "start+duration", sorted. */
async function layout(page: Page): Promise<string[]> {
  return page.locator('[data-clip-id]').evaluateAll((els) => els.map((el) => `${(el as HTMLElement).dataset.start}+${(el as HTMLElement).dataset.duration}`).sort());
}
async function bothShow(expected: string[], what: string) {
  const want = JSON.stringify([...expected].sort());
  await waitFor(async () => JSON.stringify(await layout(a)) === want && JSON.stringify(await layout(b)) === want, what, WAIT);
}

/** Puts the page's playhead at whole seconds plus frames with the keyboard (Home, Shift+→ per second, → per frame). */
async function playheadTo(page: Page, seconds: number, frames = 0) {
  await tracksRegion(page).focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < seconds; i++) await page.keyboard.press('Shift+ArrowRight');
  for (let i = 0; i < frames; i++) await page.keyboard.press('ArrowRight');
  const expected = (seconds + frames / 30).toFixed(3);
  await page.locator(`[data-playhead="${expected}"]`).waitFor({ timeout: WAIT });
}

/** Drags an element's centre sideways by `dx` pixels in small steps; `hold` runs with the button still down. */
async function dragBy(page: Page, selector: string, dx: number, hold?: (from: { x: number; y: number }) => Promise<void>) {
  const target = page.locator(selector);
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y, { steps: 4 });
  await page.mouse.move(x + dx, y, { steps: 4 });
  await hold?.({ x, y });
  await page.mouse.up();
}

beforeAll(async () => {
  server = await startServer();
  team = await createTeam(server, 'Collab cut');
  browser = await launchBrowser();
  a = await openStudio(team.owner, 'A');
  aContext = a.context();
  b = await openStudio(team.editor, 'B');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('editing the timeline together', { timeout: 90_000 }, () => {
  it('a title inserted by A (button, then T at the playhead) shows its text for B', async () => {
    await a.getByText('Add a video track and drag media from the library').waitFor({ timeout: WAIT });
    // With no title track the first title creates one.
    await a.getByRole('button', { name: 'Title', exact: true }).click();
    await bothShow(['0.000+3.000'], 'the first title on both pages');
    expect(await b.locator('[data-track]').getAttribute('data-track')).toBe('T1');
    await expect.poll(() => clipAt(b, '0.000').innerText(), { timeout: WAIT }).toContain('Title');
    await playheadTo(a, 3);
    await a.keyboard.press('t');
    await bothShow(['0.000+3.000', '3.000+3.000'], 'the second title, on the same track');
    expect(await b.locator('[data-track]').count()).toBe(1);
  });

  it("B sees A's selection in A's colour, and the clip A drags marked as being edited", async () => {
    const first = await clipAt(a, '0.000').getAttribute('data-clip-id');
    await clipAt(a, '0.000').click();
    const seen = b.locator(`[data-clip-id="${first}"][data-peer-selected="${team.owner.username}"]`);
    await seen.waitFor({ timeout: WAIT });
    expect(await seen.evaluate((el) => (el as HTMLElement).style.getPropertyValue('--peer'))).toBe(colorForId(team.owner.id));
    expect(await seen.getAttribute('aria-label')).toContain(`selected by ${team.owner.username}`);

    // A drags the second title and, before letting go, brings it back: B sees "… is editing" meanwhile.
    const second = await clipAt(a, '3.000').getAttribute('data-clip-id');
    await dragBy(a, `[data-clip-id="${second}"]`, ZOOM, async (from) => {
      const editing = b.locator(`[data-clip-id="${second}"][data-peer-editing="${team.owner.username}"]`);
      await editing.waitFor({ timeout: WAIT });
      expect(await editing.innerText()).toContain(`${team.owner.username} is editing`);
      await a.mouse.move(from.x, from.y, { steps: 4 });
    });
    await b.locator(`[data-clip-id="${second}"]:not([data-peer-editing])`).waitFor({ timeout: WAIT });
    await bothShow(['0.000+3.000', '3.000+3.000'], 'the dragged title back in place');
  });

  it('a crossfade added at a cut shows for both; Delete removes it; Shift+T adds one at the cut nearest the playhead', async () => {
    // The "+" shows while the lane is hovered.
    await clipAt(a, '3.000').hover();
    await a.locator('[data-cut-add]').click();
    await b.locator('[data-transition-id][data-transition-kind="fade"]').waitFor({ timeout: WAIT });
    expect(await b.locator('[data-transition-id]').getAttribute('aria-label')).toMatch(/^Crossfade, 1 s at 00:03:00$/);

    await a.locator('[data-transition-id]').click();
    await a.locator('[data-transition-id][aria-pressed="true"]').waitFor({ timeout: WAIT });
    await a.keyboard.press('Delete');
    await waitFor(async () => (await a.locator('[data-transition-id]').count()) === 0 && (await b.locator('[data-transition-id]').count()) === 0, 'the transition gone on both', WAIT);
    await bothShow(['0.000+3.000', '3.000+3.000'], 'deleting the transition keeps the clips');

    await playheadTo(a, 2);
    await a.keyboard.press('Shift+T');
    await b.locator('[data-transition-id]').waitFor({ timeout: WAIT });
    await a.locator('[data-transition-id]').click();
    await a.keyboard.press('Delete');
    await waitFor(async () => (await b.locator('[data-transition-id]').count()) === 0, 'B sees the second transition removed', WAIT);
  });

  it("B follows A's playhead until B moves it", async () => {
    await playheadTo(a, 1);
    await b.getByRole('button', { name: `Follow ${team.owner.username}'s playhead` }).first().click();
    await b.locator(`[data-following="${team.owner.username}"]`).waitFor({ timeout: WAIT });
    await b.locator('[data-playhead="1.000"]').waitFor({ timeout: WAIT });
    await playheadTo(a, 2);
    await b.locator('[data-playhead="2.000"]').waitFor({ timeout: WAIT });

    // B's own move ends following: A's next move shows as A's playhead only.
    await tracksRegion(b).focus();
    await b.keyboard.press('ArrowRight');
    await b.locator('[data-following]').waitFor({ state: 'detached', timeout: WAIT });
    expect(await playheadOf(b)).toBeCloseTo(2.033, 3);
    await playheadTo(a, 5);
    const aOnB = b.locator(`[data-peer-playhead="${team.owner.username}"]`);
    await waitFor(async () => (await aOnB.evaluate((el) => (el as HTMLElement).style.left)) === `${168 + 5 * ZOOM}px`, "A's playhead at 5 s on B's page", WAIT);
    expect(await playheadOf(b)).toBeCloseTo(2.033, 3);
  });

  it('copy and paste, duplicate, and paste in another tab of the project, all through the keyboard', async () => {
    await clipAt(a, '0.000').click();
    await a.keyboard.press('Control+c');
    await playheadTo(a, 7);
    await a.keyboard.press('Control+v');
    await bothShow(['0.000+3.000', '3.000+3.000', '7.000+3.000'], 'the pasted title on both pages');
    // The paste ends selected, with the playhead after it (as in Premiere), so Ctrl+D copies it right after.
    await a.locator('[data-clip-id][data-start="7.000"][data-selected="true"]').waitFor({ timeout: WAIT });
    expect(await playheadOf(a)).toBe(10);
    await a.keyboard.press('Control+d');
    await bothShow(['0.000+3.000', '3.000+3.000', '7.000+3.000', '10.000+3.000'], 'the duplicate on both pages');

    // A second tab of A's (same browser): Ctrl+V there pastes what the first tab put on the system clipboard.
    const tab = await openStudio(team.owner, 'A2', aContext);
    try {
      await playheadTo(tab, 13);
      await tab.keyboard.press('Control+v');
      await bothShow(['0.000+3.000', '3.000+3.000', '7.000+3.000', '10.000+3.000', '13.000+3.000'], 'the paste from the other tab');
    } finally {
      await tab.close();
    }
  });

  it('a marker added with M, dragged and renamed, moves and changes for both; , and . jump between markers', async () => {
    await playheadTo(a, 8);
    await a.keyboard.press('m');
    await b.locator('[data-marker][data-marker-time="8.000"]').waitFor({ timeout: WAIT });
    await dragBy(a, '[data-marker]', ZOOM);
    await b.locator('[data-marker][data-marker-time="9.000"]').waitFor({ timeout: WAIT });
    expect(await a.locator('[data-marker]').getAttribute('data-marker-time')).toBe('9.000');

    await a.locator('[data-marker]').dblclick();
    await a.getByRole('dialog', { name: 'Edit marker' }).waitFor({ timeout: WAIT });
    await a.getByLabel('Marker label').fill('Beat drop');
    await a.getByRole('radio', { name: 'Blue' }).check();
    await a.getByRole('button', { name: 'Save marker' }).click();
    await b.locator('[data-marker][data-marker-label="Beat drop"]').waitFor({ timeout: WAIT });
    expect(await b.locator('[data-marker]').evaluate((el) => (el as HTMLElement).style.getPropertyValue('--mc'))).toBe('#3b82f6');

    await playheadTo(a, 0);
    await a.keyboard.press('.');
    await a.locator('[data-playhead="9.000"]').waitFor({ timeout: WAIT });
    await a.keyboard.press('.');
    await a.getByRole('alert').filter({ hasText: 'No marker after the playhead' }).waitFor({ timeout: WAIT });
    await a.keyboard.press(',');
    await a.keyboard.press('End');
    await a.keyboard.press(',');
    await a.locator('[data-playhead="9.000"]').waitFor({ timeout: WAIT });
  });

  it('a comment pinned on a clip moves with the clip: B sees the pin where the clip took it', async () => {
    await clipAt(a, '3.000').click();
    await playheadTo(a, 4, 15);
    await a.keyboard.press('Shift+C');
    const composer = a.getByRole('dialog', { name: 'Comment at the playhead' });
    await composer.waitFor({ timeout: WAIT });
    await composer.getByRole('textbox').fill('Hold this title a beat longer');
    await composer.getByRole('textbox').press('Control+Enter');
    await composer.waitFor({ state: 'detached', timeout: WAIT });
    const pin = b.locator('[data-timeline-pin]');
    await b.locator('[data-timeline-pin][data-time="4.500"]').waitFor({ timeout: WAIT });
    expect(await pin.getAttribute('aria-label')).toContain('Hold this title a beat longer');

    // A moves the clip 1 s later: the pin, pointing at the clip's moment, follows for B.
    await dragBy(a, '[data-clip-id][data-start="3.000"]', ZOOM);
    await bothShow(['0.000+3.000', '4.000+3.000', '7.000+3.000', '10.000+3.000', '13.000+3.000'], 'the clip moved on both pages');
    await b.locator('[data-timeline-pin][data-time="5.500"]').waitFor({ timeout: WAIT });

    // B opens the pin: the playhead goes there and the comment shows.
    await pin.click();
    await b.getByRole('dialog', { name: `Comment by ${team.owner.username}` }).getByText('Hold this title a beat longer').waitFor({ timeout: WAIT });
    await b.locator('[data-playhead="5.500"]').waitFor({ timeout: WAIT });
    await b.keyboard.press('Escape');
  });

  it('J, K and L shuttle the playhead backward, stop it, and forward faster', async () => {
    await playheadTo(a, 8);
    await a.keyboard.press('l');
    await waitFor(async () => (await playheadOf(a)) > 8.2, 'L plays forward', WAIT);
    await a.keyboard.press('l');
    await a.locator('[data-rate="2"]').waitFor({ timeout: WAIT });
    await a.keyboard.press('j');
    await a.locator('[data-rate="-1"]').waitFor({ timeout: WAIT });
    const turned = await playheadOf(a);
    await waitFor(async () => (await playheadOf(a)) < turned - 0.1, 'J plays backward', WAIT);
    await a.keyboard.press('k');
    await a.locator('[data-rate="0"]').waitFor({ timeout: WAIT });
    // Stopped on a frame; K held with L steps exactly one frame.
    const stopped = await playheadOf(a);
    expect(Math.abs(stopped * 30 - Math.round(stopped * 30))).toBeLessThan(0.02);
    await a.keyboard.down('k');
    await a.keyboard.press('l');
    await a.keyboard.up('k');
    await waitFor(async () => Math.abs((await playheadOf(a)) - (stopped + 1 / 30)) < 0.002, 'K+L steps one frame', WAIT);
    await a.keyboard.press('j');
    await a.locator('[data-rate="-1"]').waitFor({ timeout: WAIT });
    await a.keyboard.press('k');
    await a.locator('[data-rate="0"]').waitFor({ timeout: WAIT });
  });

  it('Ctrl+wheel zooms around the pointer; Shift+Z fits the whole cut in view', async () => {
    const zoomOf = async () => Number(await a.locator('[data-zoom]').getAttribute('data-zoom'));
    const ruler = a.getByRole('slider', { name: /Time ruler/ });
    const lane = (await a.locator('[data-lane-track]').first().boundingBox())!;
    const region = (await tracksRegion(a).boundingBox())!;
    const x = region.x + 168 + 150;
    const y = lane.y + lane.height / 2;
    const before = await zoomOf();
    const timeBefore = (x - (await ruler.boundingBox())!.x) / before;
    await a.mouse.move(x, y);
    await a.keyboard.down('Control');
    await a.mouse.wheel(0, -300);
    await a.keyboard.up('Control');
    await waitFor(async () => (await zoomOf()) > before, 'Ctrl+wheel zoomed in', WAIT);
    // The time under the pointer stays under it (within a pixel).
    await waitFor(async () => Math.abs((x - (await ruler.boundingBox())!.x) / (await zoomOf()) - timeBefore) < 1 / (await zoomOf()), 'zoom kept the pointer’s time', WAIT);

    await tracksRegion(a).focus();
    await a.keyboard.press('Shift+Z');
    await waitFor(async () => (await zoomOf()) < before, 'Shift+Z zoomed out to the cut', WAIT);
    const last = (await a.locator('[data-clip-id][data-start="13.000"]').boundingBox())!;
    expect(last.x + last.width).toBeLessThanOrEqual(region.x + region.width);
    expect(last.x).toBeGreaterThan(region.x + 168);
  });

  it('the 9:16 preset and a frame rate picked by A show for B', async () => {
    await a.getByLabel('Frame size').selectOption('portrait');
    await b.locator('[data-frame-size="1080x1920"]').waitFor({ timeout: WAIT });
    expect(await b.getByLabel('Frame size').inputValue()).toBe('portrait');
    await a.getByLabel('Frame rate').selectOption('25');
    await b.locator('[data-fps="25"]').waitFor({ timeout: WAIT });
  });

  it('an audio track ducked under another shows its ducking for B', async () => {
    await a.getByRole('button', { name: 'Add audio track' }).click();
    await a.getByRole('button', { name: 'Add audio track' }).click();
    await b.locator('[data-track="A2"]').waitFor({ timeout: WAIT });
    await a.locator('[data-track="A1"]').getByRole('button', { name: /^Ducking of A1/ }).click();
    await a.getByLabel('Duck A1 under').selectOption({ label: 'A2' });
    await b.locator('[data-track="A1"] [data-ducking="A2:12"]').waitFor({ timeout: WAIT });
    await a.getByLabel('Ducking amount of A1 in dB').fill('18');
    await a.getByLabel('Ducking amount of A1 in dB').press('Tab');
    await b.locator('[data-track="A1"] [data-ducking="A2:18"]').waitFor({ timeout: WAIT });
    // Ducking under detected speech (A2 has no clips, so no media waits for speech detection).
    await a.getByLabel('What A1 ducks by').selectOption({ label: 'Detected speech' });
    await b.locator('[data-track="A1"] [data-ducking-mode="speech"]').waitFor({ timeout: WAIT });
    await a.getByText('Lowered where Silero VAD heard speech in A2’s clips').waitFor({ timeout: WAIT });
    expect(await a.getByRole('button', { name: /^Detect speech/ }).count()).toBe(0);
  });
});
