import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { uniqueName } from '../helpers/api';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';

// Channels in the studio as people use them: real Chromium, the built server, every step through the UI.

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

describe('channels in the studio', () => {
  it('creates a channel from the Channels card, edits its settings with write-only secrets, and rotates its key', async () => {
    const page = await signUp(browser, server, uniqueName('dj'), 'Harbour DJ', { reportErrors: true });
    const projectId = await createProject(page, server, 'Harbour station');

    const card = page.locator('section.channels');
    await card.getByLabel('Channel name').fill('Harbour Radio');
    await expect.poll(() => card.getByLabel('Slug').inputValue(), { timeout: WAIT }).toBe('harbour-radio');
    await card.getByRole('button', { name: 'Create' }).click();
    const shown = card.locator('[data-stream-key]');
    await shown.waitFor({ timeout: WAIT });
    const firstKey = (await shown.locator('code').textContent())!.trim();
    expect(firstKey).toMatch(/^[a-z2-7]{16}\.[a-z0-9]{32}$/);
    await card.locator('[data-channel-slug="harbour-radio"]').waitFor({ timeout: WAIT });

    const channelId = firstKey.split('.')[0];
    await page.goto(`${server.url}/projects/${projectId}/channels/${channelId}`, { waitUntil: 'networkidle' });
    await page.getByLabel('Icecast mount').check();
    await page.getByLabel('Host').fill('icecast.example.org');
    await page.getByLabel('Password').fill('harbour-secret-4321');
    await page.getByLabel('Slow mode (seconds, 0 = off)').fill('15');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: WAIT });
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.getByLabel('Password').getAttribute('placeholder')).toBe('••••4321');

    const stored = await page.request.get(`${server.url}/api/channels/${channelId}`);
    const text = await stored.text();
    expect(text).not.toContain('harbour-secret-4321');
    expect(JSON.parse(text)).toMatchObject({ slowModeSeconds: 15, outputs: { icecast: { host: 'icecast.example.org', passwordHint: '••••4321' } } });

    await page.getByRole('button', { name: 'Rotate key' }).click();
    const rotated = page.locator('[data-stream-key] code');
    await rotated.waitFor({ timeout: WAIT });
    const newKey = (await rotated.textContent())!.trim();
    expect(newKey).toMatch(new RegExp(`^${channelId}\\.[a-z0-9]{32}$`));
    expect(newKey).not.toBe(firstKey);
    await page.context().close();
  });
});
