import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTeam, signup, uniqueName, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, titleOnlyCut } from '../helpers/studio';

// Credits as people see them: real Chromium, the built server; a 150 s cut costs 3 credits, accounts start with 3.
let server: RunningServer;
let browser: Browser;
let team: Team;

beforeAll(async () => {
  server = await startServer({ env: { CREDITS_START: '3' } });
  // The first account is the operator: not one of the team.
  await signup(server, uniqueName('operator'));
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
});
