import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { uniqueName } from '../helpers/api';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { startVideoStub, type VideoStub } from '../helpers/video-stub';

// The providers page's speech recognition and video generation sections, and the library's Generate video, in real
// Chromium with the built server, one real local worker, and a protocol-faithful stub of OpenAI's videos API (video API stub).
let server: RunningServer;
let browser: Browser;
let stub: VideoStub;

beforeAll(async () => {
  stub = await startVideoStub();
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  await stub?.close();
});

async function openLibrary(page: Page, projectId: string) {
  await page.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
  await page.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });
}

describe('video generation in the browser (video API stub)', () => {
  it('shows Generate video disabled with the reason and a link to Providers, then generates a video once a server is set', async () => {
    const page = await signUp(browser, server, uniqueName('vgen'), 'Video Owner', { reportErrors: true });
    const projectId = await createProject(page, server, 'Promo studio');
    await openLibrary(page, projectId);

    const button = page.getByTestId('generate-video');
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('title')).toBe('Video generation needs a configured server: Providers › Video generation.');
    const reason = page.getByTestId('generate-video-reason');
    expect(await reason.textContent()).toContain('Video generation needs a configured server');
    await reason.getByRole('link', { name: 'Set up a video server' }).click();
    await page.waitForURL(`**/projects/${projectId}/providers#video-title`, { timeout: WAIT });
    await page.waitForLoadState('networkidle');

    // Speech recognition: built-in by default, and honest about it.
    const asrCard = page.getByRole('region', { name: 'Speech recognition' });
    expect(await page.getByTestId('asr-status').textContent()).toContain('built-in pocketsphinx (English, modest accuracy)');
    expect(await asrCard.getByRole('combobox', { name: 'Engine' }).inputValue()).toBe('builtin');
    await asrCard.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('asr-result').textContent(), { timeout: WAIT }).toMatch(/Built-in pocketsphinx runs on the workers/);

    // Video generation: off until a server is saved; the test lists the stub's models.
    const videoCard = page.getByRole('region', { name: 'Video generation' });
    const status = page.getByTestId('video-status');
    expect(await status.textContent()).toMatch(/Not available: no video generation server is set/);
    await videoCard.getByRole('textbox', { name: 'Base URL' }).fill(stub.baseUrl);
    await videoCard.getByRole('textbox', { name: 'Model' }).fill(stub.model);
    await videoCard.getByLabel('API key').fill(stub.key);
    await videoCard.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toMatch(new RegExp(`uses ${stub.model} at .* with an API key`));
    await videoCard.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('video-result').textContent(), { timeout: WAIT }).toMatch(new RegExp(`"${stub.model}" is listed`));

    // Back in the library the button works: prompt, length and size, then progress until the video can be opened.
    await openLibrary(page, projectId);
    expect(await button.isEnabled()).toBe(true);
    expect(await page.getByTestId('generate-video-reason').count()).toBe(0);
    await button.click();

    const dialog = page.getByRole('dialog', { name: 'Generate video' });
    await dialog.getByLabel('Prompt').fill('Sunrise over the harbour, slow pan');
    await dialog.getByLabel('Length (seconds)').fill('2');
    await dialog.getByLabel('Size').selectOption('768x512');
    await dialog.getByRole('button', { name: 'Generate' }).click();
    await dialog.getByTestId('videogen-progress').waitFor({ timeout: WAIT });
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 90_000 }).toBe('The video is in the library.');
    const create = stub.requests.find((r) => r.method === 'POST' && r.path === '/v1/videos');
    expect(create?.form).toMatchObject({ prompt: 'Sunrise over the harbour, slow pan', seconds: '2', size: '768x512', model: stub.model });

    // The new asset arrived in the library's grid live (no reload).
    await page.getByRole('button', { name: 'Open Generated: Sunrise over the harbour, slow pan' }).waitFor({ state: 'attached', timeout: WAIT });
    await dialog.getByRole('button', { name: 'Open the video' }).click();
    const drawer = page.locator('.drawer');
    await drawer.waitFor({ timeout: WAIT });
    expect(await drawer.locator('#drawer-title').textContent()).toBe('Generated: Sunrise over the harbour, slow pan');
    // The jobs panel names the job and what it was asked.
    const jobRow = page.locator('[data-job-type="ai.video"]');
    await expect.poll(() => jobRow.getAttribute('data-job-status'), { timeout: WAIT }).toBe('succeeded');
    expect(await jobRow.getAttribute('aria-label')).toContain('Generating video: Sunrise over the harbour, slow pan');
  }, 180_000);
});
