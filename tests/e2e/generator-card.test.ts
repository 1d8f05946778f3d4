import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage } from '../helpers/studio';

// The channel page's Generated music card in real Chromium, with the local worker running the procedural generator.
let server: RunningServer;
let team: Team;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', GENERATOR_TICK_SECONDS: '1' } });
  team = await createTeam(server, 'Generator card');
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('the generated music card', () => {
  it('edits the prompts, starts the generator, shows the buffer growing, and shows viewers the same without controls', async () => {
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Card FM' } });
    const channelId = created.body.id as string;
    const page = await logIn(await newPage(browser, 'editor'), server.url, team.editor);
    await page.goto(`${server.url}/projects/${team.projectId}/channels/${channelId}`, { waitUntil: 'networkidle' });
    const card = page.getByRole('region', { name: 'Generated music' });
    await expect.poll(() => card.locator('[data-buffer-state]').textContent(), { timeout: WAIT }).toBe('DEPLETED');
    await expect.poll(() => card.locator('[data-prompt]').count()).toBe(10);
    await expect.poll(() => card.locator('[data-generating-empty]').textContent()).toMatch(/The generator is off/);
    expect(await card.textContent()).toMatch(/Procedural generator \(built in\)/);

    // Down to one prompt of our own, short chunks, thresholds of minutes, then start.
    while ((await card.locator('[data-prompt]').count()) > 1) await card.getByRole('button', { name: /^Remove prompt/ }).first().click();
    await card.getByRole('textbox', { name: 'Prompt 1' }).fill('lofi chill, 84 bpm, D dorian, rhodes, drums');
    await expect.poll(() => card.locator('[data-prompt="0"] small').textContent()).toMatch(/84 bpm, D dorian, rhodes \+ bass \+ drums/);
    await card.getByRole('textbox', { name: 'New prompt' }).fill('indian lofi, sitar, tabla, 70 bpm');
    await card.getByRole('button', { name: 'Add prompt' }).click();
    await card.getByLabel('Chunk length (seconds)').fill('15');
    await card.getByLabel('Warning from (hours)').fill('0.006');
    await card.getByLabel('Critical from (hours)').fill('0.004');
    await card.getByLabel('Emergency from (hours)').fill('0.002');
    // Thresholds that do not fall are refused in the server's words, and nothing is saved.
    await card.getByLabel('Healthy above (hours)').fill('0.001');
    await card.getByRole('button', { name: 'Save generator settings' }).click();
    await expect.poll(() => card.getByRole('alert').first().textContent(), { timeout: WAIT }).toMatch(/Thresholds must fall: healthy > warning > critical > emergency/);
    expect((await api(server, 'GET', `/api/channels/${channelId}/generator`, { token: team.owner.token })).body.generator.config.thresholds.healthy).toBe(24);
    await card.getByLabel('Healthy above (hours)').fill('0.01');
    await card.locator('[data-generator-start]').click();

    // Healthy above 36 s: three 15-second chunks; the card shows the state move and the speed.
    await expect.poll(() => card.locator('[data-buffer-state]').textContent(), { timeout: 180_000 }).toBe('HEALTHY');
    await expect.poll(() => card.locator('[data-generation-speed]').textContent(), { timeout: WAIT }).toMatch(/× real time/);
    expect(await card.locator('[data-prompt="0"] small').textContent()).toMatch(/[1-9]\d* ready/);
    await expect.poll(() => card.locator('[data-generating-empty]').textContent(), { timeout: WAIT }).toMatch(/buffer is healthy/);
    expect(await card.locator('[data-hours-buffered]').textContent()).toMatch(/min/);
    await page.context().close();

    const viewer = await logIn(await newPage(browser, 'viewer'), server.url, team.viewer);
    await viewer.goto(`${server.url}/projects/${team.projectId}/channels/${channelId}`, { waitUntil: 'networkidle' });
    const seen = viewer.getByRole('region', { name: 'Generated music' });
    await expect.poll(() => seen.locator('[data-buffer-state]').textContent(), { timeout: WAIT }).toBe('HEALTHY');
    expect(await seen.locator('[data-generator-start]').count()).toBe(0);
    expect(await seen.getByRole('button', { name: 'Stop generating' }).count()).toBe(0);
    expect(await seen.textContent()).toMatch(/Only editors and owners change the generator/);
    await viewer.context().close();
  }, 300_000);

  it("puts a depleted buffer in the dashboard's alert strip, and takes it out when the generator is switched off", async () => {
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Dry FM' } });
    const channelId = created.body.id as string;
    // Under 2 h ahead is DEPLETED by the default thresholds: one 15 s chunk at a time keeps it there for this test.
    const on = await api(server, 'PATCH', `/api/channels/${channelId}/generator`, { token: team.editor.token, body: { enabled: true, chunkSeconds: 15, parallel: 1 } });
    expect(on.status).toBe(200);
    const page = await logIn(await newPage(browser, 'editor'), server.url, team.editor);
    await page.goto(`${server.url}/projects/${team.projectId}/channels/${channelId}`, { waitUntil: 'networkidle' });
    const alert = page.locator('[data-dashboard] [data-alert="generator"]');
    await expect.poll(() => alert.textContent(), { timeout: WAIT }).toMatch(/^Generated music buffer depleted: [\d.]+ h ahead \(under 2 h\); when it runs out the air falls back to the rest of the rotation/);
    // Switched off elsewhere: the push takes the alert out without a reload.
    await api(server, 'PATCH', `/api/channels/${channelId}/generator`, { token: team.editor.token, body: { enabled: false } });
    await alert.waitFor({ state: 'detached', timeout: WAIT });
    await page.context().close();
  }, 120_000);
});
