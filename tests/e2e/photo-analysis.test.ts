import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';

// "Analyze photos" on the Brief board in real Chromium, with the built server and a real worker: the A key analyses
// the selection, the card and the side panel show the score and the detected room, the score filter uses it, and a
// room set with a number key stays through a re-analysis.
let server: RunningServer;
let browser: Browser;
let team: Team;
let page: Page;
let yard: AssetJson;

const board = () => page.locator('[data-brief]');
const card = () => board().locator(`[data-photo-id][data-asset-id="${yard.id}"]`);
const analysed = () => board().locator('[data-analysis-status]').getByText('Analysed 1 photo').waitFor({ timeout: 120_000 });

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Listing with a garden');
  const dir = await tempDir('photo-analysis-e2e-');
  // Blue sky over a lawn: analysed as exterior, backyard.
  const w = 480, h = 320;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(y < h / 3 ? [115, 165, 235] : [50 + ((x * 31 + y * 17) % 40), 125 + ((x * 7) % 30), 45], (y * w + x) * 3);
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(path.join(dir, 'garden.jpg'));
  yard = await uploadProcessed(server, team.projectId, team.editor, path.join(dir, 'garden.jpg'));
  browser = await launchBrowser();
  page = await openProject(await logIn(await newPage(browser, 'editor', { viewport: { width: 1600, height: 1000 } }), server.url, team.editor), server.url, team.projectId);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('photo analysis on the brief board', { timeout: 180_000 }, () => {
  it('A analyses the selected photo: score, reasons and the detected room appear; the score filter uses them', async () => {
    await board().getByRole('button', { name: 'Add photos from the library' }).click();
    const picker = board().getByRole('dialog', { name: 'Add photos from the library' });
    await picker.locator('[data-pick-asset]').first().waitFor({ timeout: WAIT });
    await picker.getByRole('button', { name: 'Select all' }).click();
    await picker.getByRole('button', { name: 'Add 1 photo' }).click();
    await card().click();
    await page.keyboard.press('a');
    await analysed();
    await expect.poll(() => card().getAttribute('data-room'), { timeout: WAIT }).toBe('backyard');
    const score = Number(await card().locator('.score').getAttribute('data-score'));
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(100);
    const panel = board().locator('[data-quality]');
    expect(Number(await panel.locator('[data-quality-score]').innerText())).toBe(score);
    await panel.getByText('Low resolution: 0.15 MP (under 2 MP)').waitFor({ timeout: WAIT });
    await board().locator('[data-room-source="detector"]').getByText(/^detected, \d+% sure$/).waitFor({ timeout: WAIT });
    await board().getByLabel('Lowest score').fill(String(score + 1));
    await board().getByLabel('Lowest score').press('Tab');
    await board().getByText('No photo matches the filters.').waitFor({ timeout: WAIT });
    await board().getByRole('button', { name: 'Show all' }).click();
    await card().waitFor({ timeout: WAIT });
  });

  it('a room set with a number key stays through a re-analysis', async () => {
    await card().click();
    await page.keyboard.press('9');
    await expect.poll(() => card().getAttribute('data-room'), { timeout: WAIT }).toBe('pool');
    await board().getByRole('button', { name: 'Analyze 1 photo' }).click();
    // The earlier run's summary goes while this one runs, and comes back when it is done.
    await board().getByRole('button', { name: 'Analysing…' }).waitFor({ timeout: WAIT });
    await board().getByRole('button', { name: 'Analysing…' }).waitFor({ state: 'detached', timeout: 120_000 });
    await analysed();
    expect(await card().getAttribute('data-room')).toBe('pool');
    await board().locator('[data-room-source="person"]').waitFor({ timeout: WAIT });
  });
});
