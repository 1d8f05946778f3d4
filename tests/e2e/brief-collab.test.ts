import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { colorForId } from '$lib/editor/model/presence';
import type { AssetJson } from '$lib/asset';
import { api, createTeam, expectApiError, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The staging brief as two editors use it at once, and a viewer watches: real Chromium, the built server, four
// photos uploaded and processed by a real worker. Steps build on each other; nothing asserts a duration.
let server: RunningServer;
let browser: Browser;
let team: Team;
let a: Page;
let b: Page;
let viewer: Page;
let photos: AssetJson[];

async function openStudio(user: TestUser, name: string): Promise<Page> {
  return openProject(await logIn(await newPage(browser, name, { viewport: { width: 1700, height: 1100 } }), server.url, user), server.url, team.projectId);
}

const board = (page: Page) => page.locator('[data-brief]');
const grid = (page: Page) => board(page).getByRole('listbox', { name: 'Photos' });
const card = (page: Page, assetId: string) => board(page).locator(`[data-photo-id][data-asset-id="${assetId}"]`);

/** The board as "asset:room", in order. */
async function layout(page: Page): Promise<string> {
  return board(page)
    .locator('[data-photo-id]')
    .evaluateAll((els) => els.map((el) => `${(el as HTMLElement).dataset.assetId}:${(el as HTMLElement).dataset.room}`).join(' '));
}

async function allShow(expected: string, what: string) {
  await waitFor(async () => (await layout(a)) === expected && (await layout(b)) === expected && (await layout(viewer)) === expected, what, WAIT);
}

/** Clicks a photo and presses keys on the focused grid. */
async function pressOn(page: Page, assetId: string, ...keys: string[]) {
  await card(page, assetId).click();
  for (const key of keys) await page.keyboard.press(key);
}

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Listing 12 Harbour Lane');
  const dir = await tempDir('brief-e2e-');
  const files = await Promise.all(
    ['red', 'green', 'blue', 'yellow'].map(async (color) => {
      const file = path.join(dir, `${color}.png`);
      await ffmpeg('-f', 'lavfi', '-i', `color=c=${color}:size=320x240`, '-frames:v', '1', file);
      return file;
    })
  );

  photos = await Promise.all(files.map((file) => uploadProcessed(server, team.projectId, team.owner, file)));
  browser = await launchBrowser();
  [a, b, viewer] = await Promise.all([openStudio(team.owner, 'A'), openStudio(team.editor, 'B'), openStudio(team.viewer, 'viewer')]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('the staging brief, co-edited', { timeout: 120_000 }, () => {
  it('starts empty with a way to add photos; A adds the four photos from the library and everyone sees them', async () => {
    await board(a).getByText('No photos in the brief yet').waitFor({ timeout: WAIT });
    await board(viewer).getByText('An editor adds photos from the library.').waitFor({ timeout: WAIT });
    await board(a).getByRole('button', { name: 'Add photos from the library' }).click();
    const picker = board(a).getByRole('dialog', { name: 'Add photos from the library' });
    await picker.locator('[data-pick-asset]').first().waitFor({ timeout: WAIT });
    await picker.getByRole('button', { name: 'Select all' }).click();
    await picker.getByRole('button', { name: 'Add 4 photos' }).click();
    // The picker lists the newest first: the board takes them in that order.
    const order = await board(a).locator('[data-photo-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.assetId));
    expect(new Set(order)).toEqual(new Set(photos.map((p) => p.id)));
    await allShow(order.map((id) => `${id}:`).join(' '), 'four untagged photos on every board');
    // Thumbnails come from the asset's processed variants.
    await expect.poll(() => card(b, order[0]!).locator('img').getAttribute('src'), { timeout: WAIT }).toContain('/variants/');
  });

  it('A and B tag rooms with number keys and reorder at the same time; all three boards converge', async () => {
    const ids = await board(a).locator('[data-photo-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.assetId!));
    const [p1, p2, p3, p4] = ids;
    await Promise.all([
      // A: first photo is the kitchen (3) and moves one place on (Alt+→); the third is the pool (9).
      (async () => {
        await pressOn(a, p1, '3', 'Alt+ArrowRight');
        await pressOn(a, p3, '9');
      })(),
      // B: the last photo is a bedroom (2) and is dragged to the front; the second is "other" (0).
      (async () => {
        await pressOn(b, p4, '2');
        await card(b, p4).dragTo(card(b, p1), { targetPosition: { x: 5, y: 30 } });
        await pressOn(b, p2, '0');
      })()
    ]);
    const expected = await layout(a);
    await allShow(expected, 'the same order and tags on every board');
    expect(expected.split(' ').sort()).toEqual([`${p1}:kitchen`, `${p2}:other`, `${p3}:pool`, `${p4}:bedroom`].sort());
    // B dropped the bedroom before the kitchen photo, and A moved the kitchen after the second photo: both hold,
    // whichever of the two edits reached the other first.
    const at = (id: string) => expected.split(' ').findIndex((x) => x.startsWith(`${id}:`));
    expect(at(p4)).toBeLessThan(at(p1));
    expect(at(p2)).toBeLessThan(at(p1));
    expect(at(p1)).toBeLessThan(at(p3));
  });

  it("B sees A's selection in A's colour; the same number again clears the room; Ctrl+Z undoes only A's own edit", async () => {
    const ids = await board(a).locator('[data-photo-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.assetId!));
    await pressOn(a, ids[1]!);
    const seen = board(b).locator(`[data-asset-id="${ids[1]}"][data-peer-selected]`);
    await seen.waitFor({ timeout: WAIT });
    expect(await seen.getAttribute('data-peer-selected')).toContain(team.owner.username);
    expect(await seen.evaluate((el) => (el as HTMLElement).style.getPropertyValue('--peer'))).toBe(colorForId(team.owner.id));

    // The kitchen's key again clears the room (the detector's guess would show); once more puts it back.
    const kitchen = (await layout(a)).split(' ').find((x) => x.endsWith(':kitchen'))!.split(':')[0]!;
    await pressOn(a, kitchen, '3');
    await card(b, kitchen).and(b.locator('[data-room=""]')).waitFor({ timeout: WAIT });
    await a.keyboard.press('3');
    await card(b, kitchen).and(b.locator('[data-room="kitchen"]')).waitFor({ timeout: WAIT });

    const before = await layout(a);
    await pressOn(a, ids[0]!, 's', 'h');
    await card(b, ids[0]!).and(b.locator('[data-status="in-progress"][data-hero="true"]')).waitFor({ timeout: WAIT });
    await a.keyboard.press('Control+z');
    await a.keyboard.press('Control+z');
    await card(b, ids[0]!).and(b.locator('[data-status="todo"]:not([data-hero])')).waitFor({ timeout: WAIT });
    expect(await layout(b)).toBe(before);
  });

  it('a viewer browses but cannot tag: the board says read only and the keys change nothing', async () => {
    const before = await layout(viewer);
    await board(viewer).getByText('Read only: you see changes live').waitFor({ timeout: WAIT });
    const first = before.split(' ')[0]!.split(':')[0]!;
    await pressOn(viewer, first, '5', 'Alt+ArrowRight');
    await board(viewer).locator('[data-photo-detail]').waitFor({ timeout: WAIT });
    expect(await layout(viewer)).toBe(before);
    expect(await layout(a)).toBe(before);
  });

  it('filters by room and status; the listing and staging instructions reach the printable brief with a pinned note', async () => {
    // Filters: only the pool.
    await board(a).getByLabel('Filter by room').selectOption('pool');
    await expect.poll(() => board(a).locator('[data-photo-id]').count(), { timeout: WAIT }).toBe(1);
    const pool = (await board(a).locator('[data-photo-id]').getAttribute('data-asset-id'))!;
    await board(a).getByRole('button', { name: 'Show all' }).click();
    await board(a).getByLabel('Filter by status').selectOption('done');
    await board(a).getByText('No photo matches the filters.').waitFor({ timeout: WAIT });
    await board(a).getByRole('button', { name: 'Show all' }).click();

    // Listing fields, one by one (B fills the price while A types the address).
    const listing = (page: Page) => board(page).getByRole('form', { name: 'Listing' });
    await listing(a).locator('input[name="address"]').fill('12 Harbour Lane, Springfield');
    await listing(a).locator('input[name="address"]').press('Tab');
    await listing(b).locator('input[name="price"]').fill('850000');
    await listing(b).locator('input[name="price"]').press('Tab');
    await listing(a).locator('input[name="beds"]').fill('-2');
    await listing(a).locator('input[name="beds"]').press('Tab');
    await board(a).getByRole('status').filter({ hasText: 'Beds cannot be negative.' }).waitFor({ timeout: WAIT });
    await expect.poll(() => listing(b).locator('input[name="address"]').inputValue(), { timeout: WAIT }).toBe('12 Harbour Lane, Springfield');
    await expect.poll(() => listing(a).locator('input[name="price"]').inputValue(), { timeout: WAIT }).toBe('850000');

    // Staging instructions of the pool photo, and a note pinned to a spot of it.
    await card(a, pool).click();
    const detail = board(a).locator('[data-photo-detail]');
    await detail.locator('input[name="day-to-dusk"]').check();
    await detail.locator('textarea[name="staging-notes"]').fill('Light the pool blue.');
    await detail.locator('textarea[name="staging-notes"]').press('Tab');
    await detail.locator('img').click({ position: { x: 40, y: 30 } });
    await detail.getByLabel('Note at this spot').fill('Remove the hose');
    await detail.getByRole('button', { name: 'Pin note' }).click();
    await board(b).locator(`[data-asset-id="${pool}"]`).getByText('Day to dusk · Notes').waitFor({ timeout: WAIT });
    await board(a).locator('[data-pin="1"]').waitFor({ timeout: WAIT });
    await a.screenshot({ path: path.join(os.tmpdir(), 'airstudio-brief.png'), fullPage: true });

    const print = await a.context().newPage();
    await print.goto(`${server.url}/projects/${team.projectId}/brief/print`, { waitUntil: 'networkidle' });
    expect(await print.locator('[data-brief-address]').innerText()).toBe('12 Harbour Lane, Springfield');
    expect(await print.locator('.listing').innerText()).toContain('$850,000');
    const printed = print.locator('[data-print-photo]').filter({ hasText: 'Pool' });
    expect(await printed.innerText()).toContain('Day to dusk');
    expect(await printed.locator('[data-print-notes]').innerText()).toBe('Light the pool blue.');
    expect(await printed.innerText()).toContain('Remove the hose');
    expect(await print.locator('[data-print-photo]').count()).toBe(4);
    // The print stylesheet hides the studio's chrome.
    await print.screenshot({ path: path.join(os.tmpdir(), 'airstudio-brief-print.png'), fullPage: true });
    await print.emulateMedia({ media: 'print' });
    expect(await print.getByRole('button', { name: 'Print or save as PDF' }).isVisible()).toBe(false);
    await print.close();
  });

  it('GET /api/projects/:id/brief gives members the brief; outsiders are refused', async () => {
    const r = await api(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token });
    expect(r.status).toBe(200);
    expect(r.body.listing).toMatchObject({ address: '12 Harbour Lane, Springfield', price: 850000, beds: null });
    expect(r.body.photos).toHaveLength(4);
    const pool = r.body.photos.find((p: { room: { value: string } | null }) => p.room?.value === 'pool');
    expect(pool).toMatchObject({ room: { value: 'pool', source: 'person', confidence: 1 }, staging: { dayToDusk: true, notes: 'Light the pool blue.' }, notes: [{ body: 'Remove the hose' }] });
    expectApiError(await api(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.outsider.token }), 404);
  });
});
