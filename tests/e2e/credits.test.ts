import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTeam, signup, uniqueName, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, titleOnlyCut } from '../helpers/studio';

// Credits as people see them: real Chromium, the built server; a 150 s cut costs 3 credits, accounts start with 3.
let server: RunningServer;
let browser: Browser;
let team: Team;
let operator: TestUser;

beforeAll(async () => {
  server = await startServer({ env: { CREDITS_START: '3' } });
  // The first account is the operator: not one of the team.
  operator = await signup(server, uniqueName('operator'));
  team = await createTeam(server, 'Paid cut');
  await titleOnlyCut(server, team.projectId, team.editor, 150);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('credits in the studio', () => {
  it('shows the price in the render control, the charge on the usage page, then refuses the next render for balance', async () => {
    const viewer = await logIn(await newPage(browser, 'viewer'), server.url, team.viewer);
    await viewer.goto(`${server.url}/projects/${team.projectId}/usage`, { waitUntil: 'networkidle' });
    await viewer.getByRole('heading', { name: 'Nothing charged yet' }).waitFor({ timeout: WAIT });
    expect(await viewer.locator('[data-balance]').textContent()).toBe('3');

    const page = await openProject(await logIn(await newPage(browser, 'editor'), server.url, team.editor), server.url, team.projectId);
    const price = page.locator('.render [data-cost]');
    await price.waitFor({ timeout: WAIT });
    expect(await price.textContent()).toMatch(/3 credits · balance 3/);
    await page.getByRole('button', { name: 'Render', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Rendering: follow it under Jobs.' }).waitFor({ timeout: WAIT });
    await page.locator('.render [data-cost].short').waitFor({ timeout: WAIT });
    expect(await page.getByRole('note').filter({ hasText: 'Not enough credits for this render' }).textContent()).toContain('it costs 3, the balance is 0');

    await page.getByRole('link', { name: 'Usage' }).first().click();
    await page.waitForURL(/\/usage$/, { timeout: WAIT });
    const charge = page.locator('tr[data-entry="charge"]');
    await charge.waitFor({ timeout: WAIT });
    expect(await charge.textContent()).toMatch(/Charge · Rendering the cut.*2\.5 min × 1\/min.*-3.*0/);
    expect(await page.locator('[data-balance]').textContent()).toBe('0');

    // The server refuses the next one too, in its own words.
    await openProject(page, server.url, team.projectId);
    await page.getByRole('button', { name: 'Render', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Rendering the cut costs 3 credits' });
    await refusal.waitFor({ timeout: WAIT });
    expect(await refusal.textContent()).toContain(`${team.owner.username}'s balance is 0`);
  });

  it('lets the operator set prices and grant credits under Settings › Credits; others only read the prices', async () => {
    const owner = await logIn(await newPage(browser, 'owner'), server.url, team.owner);
    await owner.goto(`${server.url}/settings/credits`, { waitUntil: 'networkidle' });
    expect(await owner.getByLabel('Rendering the cut').isDisabled()).toBe(true);
    expect(await owner.getByRole('heading', { name: 'Grant credits' }).count()).toBe(0);
    expect(await owner.locator('.intro').textContent()).toContain(`Only the studio’s operator (@${operator.username})`);

    const ops = await logIn(await newPage(browser, 'operator'), server.url, operator);
    await ops.goto(`${server.url}/settings/credits`, { waitUntil: 'networkidle' });
    await ops.getByLabel('Rendering the cut').fill('2');
    await ops.getByRole('button', { name: 'Save prices' }).click();
    await ops.getByRole('status').filter({ hasText: 'Prices saved' }).waitFor({ timeout: WAIT });
    expect((await ops.locator('.prices tr').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      'Rendering the cut credits a minute (not the default)', 'Cleaning up audio credits a minute', 'Finding silence credits a minute', 'Detecting scenes credits a minute',
      'Stabilizing video credits a minute', 'Denoising video credits a minute', 'Correcting colour credits a minute', 'Upscaling credits a minute',
      'Transcribing speech credits a minute', 'Detecting speech credits a minute', 'Generating video credits a minute',
      'Generating music credits a minute', 'Analysing photos credits a photo', 'Enhancing a photo credits a photo', 'Staging a photo credits a photo', 'Rendering listing videos credits a minute'
    ]);
    await ops.getByLabel('Username', { exact: true }).fill(team.owner.username);
    await ops.getByLabel('Credits', { exact: true }).fill('-1000');
    await ops.getByRole('button', { name: 'Grant', exact: true }).click();
    await ops.getByRole('alert').filter({ hasText: `${team.owner.username}'s balance is 0: taking back 1000 would go below zero.` }).waitFor({ timeout: WAIT });
    await ops.getByLabel('Credits', { exact: true }).fill('10');
    await ops.getByRole('button', { name: 'Grant', exact: true }).click();
    await ops.getByRole('status').filter({ hasText: `${team.owner.username} now has 10 credits.` }).waitFor({ timeout: WAIT });

    // 150 s at 2 a minute.
    const page = await openProject(await logIn(await newPage(browser, 'editor again'), server.url, team.editor), server.url, team.projectId);
    const price = page.locator('.render [data-cost]');
    await price.waitFor({ timeout: WAIT });
    expect(await price.textContent()).toMatch(/5 credits · balance 10/);
  });
});
