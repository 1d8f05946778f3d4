import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { uniqueName } from '../helpers/api';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';

// The API keys page in real Chromium: create a key with scopes (shown once), use it on /api/v1, revoke it.
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
});

describe('the API keys page', () => {
  it('creates a scoped key shown once, which then works on /api/v1 until it is revoked', async () => {
    const page = await signUp(browser, server, uniqueName('keys'), 'Key Owner', { reportErrors: true });
    const projectId = await createProject(page, server, 'Listing desk');
    await page.goto(`${server.url}/projects/${projectId}/api-keys`);
    const card = page.locator('[data-api-keys]');
    await card.getByText('No API keys yet.').waitFor({ timeout: WAIT });
    await card.getByLabel('Name').fill('listing backend');
    await card.getByLabel('video:render').check();
    await card.getByRole('button', { name: 'Create key' }).click();
    const shown = card.locator('[data-new-key] code');
    await shown.first().waitFor({ timeout: WAIT });
    const key = (await shown.first().textContent())!.trim();
    expect(key).toMatch(/^ask_/);
    expect((await shown.nth(1).textContent())!.trim()).toMatch(/^whsec_/);
    await card.getByRole('cell', { name: /video:render/ }).waitFor({ timeout: WAIT });

    const read = () => fetch(`${server.url}/api/v1/jobs/nosuchjob`, { headers: { authorization: `Bearer ${key}` } });
    expect((await read()).status).toBe(404);
    await card.getByRole('button', { name: 'Revoke' }).click();
    await card.getByText(/^Revoked /).waitFor({ timeout: WAIT });
    expect((await read()).status).toBe(401);

    // A reload lists the key, never the key itself.
    await page.reload();
    await card.getByText('listing backend').waitFor({ timeout: WAIT });
    expect(await page.locator('[data-new-key]').count()).toBe(0);
    await page.locator('[data-callback-log]').getByText('No callbacks yet.').waitFor({ timeout: WAIT });
  }, 120_000);
});
