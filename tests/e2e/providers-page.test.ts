import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { uniqueName } from '../helpers/api';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startOpenAiStub, type OpenAiStub } from '../helpers/openai-stub';
import { startServer, type RunningServer } from '../helpers/server';

// The AI providers page in real Chromium; the language model is a protocol-faithful OpenAI-compatible stub.
let server: RunningServer;
let browser: Browser;
let stub: OpenAiStub;

beforeAll(async () => {
  stub = await startOpenAiStub();
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  await stub?.close();
});

describe('the AI providers page', () => {
  it('says when no model is configured, saves one, tests the connection and previews the voice', async () => {
    const page = await signUp(browser, server, uniqueName('prov'), 'Provider Owner', { reportErrors: true });
    const projectId = await createProject(page, server, 'Voice station');
    await page.getByRole('link', { name: 'AI providers' }).click();
    await page.waitForURL(`**/projects/${projectId}/providers`, { timeout: WAIT });
    const status = page.getByTestId('llm-status');
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toMatch(/No language model is configured: the DJ uses templates and the assistant its command language/);

    const llmCard = page.getByRole('region', { name: 'Language model' });
    await llmCard.getByRole('textbox', { name: 'Base URL' }).fill(stub.baseUrl);
    await llmCard.getByRole('textbox', { name: 'Model' }).fill('stub-chat-1');
    await llmCard.getByLabel('API key').fill(stub.key);
    await llmCard.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => status.textContent(), { timeout: WAIT }).toMatch(/Using stub-chat-1 at .* with an API key/);
    await expect.poll(() => llmCard.getByLabel('API key').inputValue()).toBe('');

    await llmCard.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('llm-result').textContent(), { timeout: WAIT }).toMatch(/Connected to .*stub-chat-1/);

    const voiceCard = page.getByRole('region', { name: 'Voice' });
    await voiceCard.getByRole('combobox', { name: 'Engine' }).selectOption('espeak-ng');
    await voiceCard.getByRole('combobox', { name: 'Voice' }).selectOption('en');
    await voiceCard.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => voiceCard.getByRole('button', { name: 'Test voice' }).isEnabled(), { timeout: WAIT }).toBe(true);
    await voiceCard.getByRole('button', { name: 'Speak' }).click();
    const audio = page.getByTestId('tts-audio');
    await audio.waitFor({ timeout: WAIT });
    // The browser decoded what the server spoke: a duration of a few seconds.
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration), { timeout: WAIT }).toBeGreaterThan(1);
  });
});
