import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { formatDuration } from '$lib/library/format';
import { api, createTeam, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, picture, sine, tempDir, writeTone } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

// The station's playlist editor and week calendar as two editors (and a viewer) use them at once: real Chromium, the
// built server, one real local worker processing the music. Steps build on each other. Nothing asserts a duration.
let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let alpha: AssetJson;
let bravo: AssetJson;
let clip: AssetJson;
let a: Page;
let b: Page;

beforeAll(async () => {
  dir = await tempDir('airstudio-station-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Night station');
  const files = [path.join(dir, 'alpha-song.mp3'), path.join(dir, 'bravo-song.mp3'), path.join(dir, 'station-clip.mp4')];
  await Promise.all([
    writeTone(files[0], { seconds: 6, frequency: 440 }),
    writeTone(files[1], { seconds: 4, frequency: 660 }),
    ffmpeg(...picture(3), ...sine(3), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', files[2])
  ]);
  [alpha, bravo, clip] = await Promise.all(files.map((file) => uploadProcessed(server, team.projectId, team.owner, file)));
  browser = await launchBrowser();
  a = await openStudio(team.owner, 'A');
  b = await openStudio(team.editor, 'B');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openStudio(user: TestUser, name: string): Promise<Page> {
  return openProject(await logIn(await newPage(browser, name, { viewport: { width: 1500, height: 1100 } }), server.url, user), server.url, team.projectId);
}

const playlists = (page: Page) => page.locator('[data-station-playlists]');
const items = (page: Page) => playlists(page).getByRole('listbox');
const grid = (page: Page) => page.locator('[data-station-schedule]').getByRole('grid');
const block = (page: Page, name: string) => page.locator(`[data-block-id][data-name="${name}"]`).first();

/** The open playlist's items, as titles in order. */
async function titles(page: Page): Promise<string[]> {
  return page.locator('[data-item-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.title ?? ''));
}

async function bothList(expected: string[], what: string) {
  const want = JSON.stringify(expected);
  await waitFor(async () => JSON.stringify(await titles(a)) === want && JSON.stringify(await titles(b)) === want, what, WAIT);
}

/** A show's place on a page: "day start–end" of its first piece, or null when not drawn. */
async function placeOf(page: Page, name: string): Promise<string | null> {
  // One look that does not wait: a show deleted between a count and a read would stall the read.
  const d = await block(page, name).evaluateAll((els) => (els[0] ? { ...(els[0] as HTMLElement).dataset } : null));
  return d ? `${d.day} ${d.start}–${d.end}` : null;
}

async function bothPlace(name: string, expected: string, what: string) {
  await waitFor(async () => (await placeOf(a, name)) === expected && (await placeOf(b, name)) === expected, what, WAIT);
}

/** Drags with the mouse on the calendar from one wall time to another (day 0 = Monday), in small steps. */
async function dragOnGrid(page: Page, from: { day: number; minute: number }, to: { day: number; minute: number }) {
  const g = grid(page);
  await g.scrollIntoViewIfNeeded();
  const box = (await g.boundingBox())!;
  const point = (s: { day: number; minute: number }) => ({ x: box.x + (box.width / 7) * (s.day + 0.5), y: box.y + (box.height / 1440) * s.minute });
  const [p, q] = [point(from), point(to)];
  await page.mouse.move(p.x, p.y + 2);
  await page.mouse.down();
  await page.mouse.move((p.x + q.x) / 2, (p.y + q.y) / 2 + 2, { steps: 5 });
  await page.mouse.move(q.x, q.y + 2, { steps: 5 });
  await page.mouse.up();
}

/** Drags an element's centre by (dx, dy) pixels. */
async function dragBy(page: Page, el: ReturnType<Page['locator']>, dx: number, dy: number) {
  await el.scrollIntoViewIfNeeded();
  const box = (await el.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + Math.min(12, box.height / 2)];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 5 });
  await page.mouse.move(x + dx, y + dy, { steps: 5 });
  await page.mouse.up();
}

const overlapWinners = (page: Page) => page.locator('[data-overlap-winner]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.overlapWinner));

describe('station editors in the browser', { timeout: 120_000 }, () => {
  it('A creates a playlist and drags two approved songs in; B sees them with the total duration and A’s presence', async () => {
    await playlists(a).getByText('No playlists yet: create one and drag music in from the library').waitFor({ timeout: WAIT });
    await playlists(a).getByRole('button', { name: 'New playlist' }).click();
    await playlists(b).getByRole('button', { name: /Playlist 1/ }).waitFor({ timeout: WAIT });

    await playlists(a).locator(`[data-library-asset="${alpha.id}"]`).dragTo(items(a));
    await a.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).waitFor({ timeout: WAIT });
    const list = (await items(a).boundingBox())!;
    await playlists(a).locator(`[data-library-asset="${bravo.id}"]`).dragTo(items(a), { targetPosition: { x: 20, y: list.height - 3 } });
    await bothList([alpha.title, bravo.title], 'both editors list the two songs in drop order');

    const total = formatDuration(alpha.duration! + bravo.duration!);
    await playlists(b).locator('.total').getByText(total).waitFor({ timeout: WAIT });
    expect(await playlists(b).locator('.total').textContent()).toContain('2 of 2 playable');
    // B sees that A has this playlist open.
    await playlists(b).locator('[data-playlist-id] [data-peer]').first().waitFor({ timeout: WAIT });
  });

  it('B reorders with Alt+↓, A by drag; then B reorders while A removes a song, and both converge', async () => {
    await b.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).click();
    await items(b).press('Alt+ArrowDown');
    await bothList([bravo.title, alpha.title], 'B moved the first song down');

    // A sees B's selection in B's colour.
    await a.locator(`[data-item-id][data-asset-id="${alpha.id}"] [data-peer]`).waitFor({ timeout: WAIT });

    // A drags the song back to the top (dropped on the upper half of the first row).
    await a.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).dragTo(a.locator(`[data-item-id][data-asset-id="${bravo.id}"]`), { targetPosition: { x: 40, y: 3 } });
    await bothList([alpha.title, bravo.title], 'A dragged the song back to the top');

    await Promise.all([items(b).press('Alt+ArrowDown'), a.getByRole('button', { name: `Remove ${bravo.title}` }).click()]);
    await bothList([alpha.title], 'the removal and the reorder merged the same way for both');
    await playlists(a).locator('.total').getByText(formatDuration(alpha.duration!)).waitFor({ timeout: WAIT });
  });

  it('A creates a show by dragging on the calendar; B moves it; both see it moved', async () => {
    await dragOnGrid(a, { day: 0, minute: 600 }, { day: 0, minute: 720 });
    await bothPlace('Show 1', '0 10:00–12:00', 'the new show is on Monday 10:00–12:00 for both');
    // Creating opens the show's form for A.
    await a.getByRole('form', { name: 'Show Show 1' }).waitFor({ timeout: WAIT });

    const box = (await grid(b).boundingBox())!;
    await dragBy(b, block(b, 'Show 1'), 0, (box.height / 1440) * 120);
    await bothPlace('Show 1', '0 12:00–14:00', 'B moved the show two hours later');
    // A sees B's selected show in B's colour.
    await block(a, 'Show 1').locator('[data-peer]').waitFor({ timeout: WAIT });
    // B drags the show's bottom edge an hour down.
    await dragBy(b, block(b, 'Show 1').locator('[data-resize]'), 0, (box.height / 1440) * 60);
    await bothPlace('Show 1', '0 12:00–15:00', 'B made the show an hour longer');
  });

  it('an overlap shows with who plays; priority changes the winner; Ctrl+Z by A undoes only A’s last step', async () => {
    await a.getByRole('form', { name: /^Show / }).getByRole('button', { name: 'Close' }).click();
    await dragOnGrid(a, { day: 1, minute: 780 }, { day: 1, minute: 900 });
    await bothPlace('Show 2', '1 13:00–15:00', 'the second show is on Tuesday');
    await a.getByRole('form', { name: /^Show / }).getByRole('button', { name: 'Close' }).click();
    // The arrow keys move the selected show by a day: onto Monday, over Show 1.
    await block(a, 'Show 2').focus();
    await block(a, 'Show 2').press('ArrowLeft');
    await bothPlace('Show 2', '0 13:00–15:00', 'A moved Show 2 to Monday with the keyboard');
    // Equal priority: the later start plays.
    await waitFor(async () => JSON.stringify(await overlapWinners(a)) === '["Show 2"]' && JSON.stringify(await overlapWinners(b)) === '["Show 2"]', 'both see the overlap won by Show 2', WAIT);
    expect(await a.locator('.overlap').count()).toBeGreaterThan(0);

    // A double-click opens a show's form; Enter does too.
    await block(a, 'Show 2').dblclick();
    await a.getByRole('form', { name: 'Show Show 2' }).getByRole('button', { name: 'Close' }).click();
    await block(a, 'Show 1').focus();
    await block(a, 'Show 1').press('Enter');
    // A raises Show 1's priority in its form.
    const form = a.getByRole('form', { name: 'Show Show 1' });
    await form.getByLabel('Priority (higher wins overlaps)').fill('5');
    await form.getByRole('button', { name: 'Save show' }).click();
    await waitFor(async () => JSON.stringify(await overlapWinners(a)) === '["Show 1"]' && JSON.stringify(await overlapWinners(b)) === '["Show 1"]', 'both see Show 1 win now', WAIT);

    // B's move of Show 1 came between; A's undo takes back only A's priority change.
    await grid(a).focus();
    await a.keyboard.press('Control+z');
    await waitFor(async () => JSON.stringify(await overlapWinners(a)) === '["Show 2"]' && JSON.stringify(await overlapWinners(b)) === '["Show 2"]', 'the priority is undone for both', WAIT);
    await bothPlace('Show 1', '0 12:00–15:00', 'B’s move and resize stay');
    await bothPlace('Show 2', '0 13:00–15:00', 'A’s earlier move stays');
    await bothList([alpha.title], 'the playlist is untouched by the undo');
  });

  it('the station zone is shown and changeable; shows in their own zone move on the grid; Shift+↓ resizes, Delete removes a show', async () => {
    await a.getByLabel('Station time zone').selectOption('Europe/Berlin');
    await waitFor(async () => (await b.getByLabel('Station time zone').inputValue()) === 'Europe/Berlin', 'B’s calendar follows the zone', WAIT);
    // Show 1 stays at 12:00 UTC, which is 13:00 in Berlin in November.
    await bothPlace('Show 1', '0 13:00–16:00', 'the UTC show is drawn in Berlin time');
    await block(a, 'Show 2').focus();
    // Shift+↓ makes the selected show 15 minutes longer.
    await block(a, 'Show 2').press('Shift+ArrowDown');
    await bothPlace('Show 2', '0 14:00–16:15', 'A lengthened Show 2 with the keyboard');
    await block(a, 'Show 2').press('Delete');
    await waitFor(async () => (await placeOf(a, 'Show 2')) === null && (await placeOf(b, 'Show 2')) === null, 'Show 2 is gone for both', WAIT);
    expect(await overlapWinners(b)).toEqual([]);
    await a.getByLabel('Station time zone').selectOption('UTC');
    await bothPlace('Show 1', '0 12:00–15:00', 'back in UTC');
  });

  it('the plan preview lists what would play, labelled as the plan', async () => {
    await a.getByRole('group', { name: 'Default rotation (when no show plays)' }).getByRole('checkbox', { name: 'Playlist 1' }).check();
    const planned = a.getByRole('list', { name: 'Planned items' });
    await planned.getByText(alpha.title).first().waitFor({ timeout: WAIT });
    await b.getByRole('list', { name: 'Planned items' }).getByText(alpha.title).first().waitFor({ timeout: WAIT });
    expect(await a.getByText('not what is on air').count()).toBe(1);
  });

  it('an item whose song is no longer approved shows as unplayable and leaves the total', async () => {
    const r = await api(server, 'PATCH', `/api/assets/${alpha.id}`, { token: team.owner.token, body: { status: 'pending' } });
    expect(r.status).toBe(200);
    for (const page of [a, b]) {
      await page.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).getByText('unapproved').waitFor({ timeout: WAIT });
      await playlists(page).locator('.total').getByText('0 of 1 playable').waitFor({ timeout: WAIT });
    }
    // Only approved music goes in: the library no longer offers it.
    expect(await playlists(a).locator(`[data-library-asset="${alpha.id}"]`).count()).toBe(0);
    await api(server, 'PATCH', `/api/assets/${alpha.id}`, { token: team.owner.token, body: { status: 'approved' } });
    await playlists(a).locator('.total').getByText('1 of 1 playable').waitFor({ timeout: WAIT });
  });

  it('a viewer sees both editors read-only', async () => {
    const v = await openStudio(team.viewer, 'Viewer');
    await v.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).waitFor({ timeout: WAIT });
    await block(v, 'Show 1').waitFor({ timeout: WAIT });
    expect(await playlists(v).getByRole('button', { name: 'New playlist' }).count()).toBe(0);
    expect(await v.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await playlists(v).getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    expect(await v.locator('[data-station-playlists] [role="note"], [data-station-schedule] [role="note"]').count()).toBe(2);
    // A drag on the viewer's calendar creates nothing, for anyone.
    await dragOnGrid(v, { day: 3, minute: 300 }, { day: 3, minute: 420 });
    await v.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).click();
    await items(v).press('Delete');
    expect(await v.locator('[data-block-id][data-name="Show 3"]').count()).toBe(0);
    await waitFor(async () => (await a.locator('[data-block-id]').count()) === (await v.locator('[data-block-id]').count()), 'viewer and editor show the same shows', WAIT);
    expect(await titles(v)).toEqual([alpha.title]);
    await v.context().close();
  });

  it('a video in a playlist is marked as airing on video channels only', async () => {
    await playlists(a).locator(`[data-library-asset="${clip.id}"]`).dragTo(items(a));
    for (const page of [a, b]) await page.locator(`[data-item-id][data-asset-id="${clip.id}"]`).getByText('video', { exact: true }).waitFor({ timeout: WAIT });
    const badge = a.locator(`[data-item-id][data-asset-id="${clip.id}"] .badge`);
    expect(await badge.getAttribute('title')).toContain('audio channels skip it');
    // The songs carry no such mark.
    expect(await a.locator(`[data-item-id][data-asset-id="${alpha.id}"]`).getByText('video', { exact: true }).count()).toBe(0);
  });
});
