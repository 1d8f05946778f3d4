import { chromium, type Browser, type Page } from 'playwright-core';
import { TEST_PASSWORD } from './api';

// Steps in the browser suites (real Chromium, the built server, every step through the UI).
// Waits are generous because they run on a 2-core box next to other suites; nothing asserts a duration.
export const WAIT = 20_000;

/** Headless Chromium: `CHROMIUM_PATH`, else the system's; `extraArgs` e.g. a fake microphone. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs]
  });
}

/**
 * A fresh browser profile that signs up through the form and lands on its projects page.
 * `reportErrors`: print the page's script errors, which fail quietly otherwise, next to the failing step.
 */
export async function signUp(browser: Browser, server: { url: string }, username: string, displayName: string, opts: { reportErrors?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  if (opts.reportErrors) {
    page.on('pageerror', (e) => console.error(`[${username}] page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && console.error(`[${username}] console: ${m.text()}`));
  }
  // Loaded scripts mean a hydrated, enhanced form: a click before that races the page's own start-up.
  await page.goto(`${server.url}/signup`, { waitUntil: 'networkidle' });
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.test`);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByLabel('Display name (optional)').fill(displayName);
  await page.getByRole('button', { name: 'Create account' }).click();
  const outcome = await Promise.race([
    page.waitForURL(`${server.url}/projects`, { timeout: WAIT }).then(() => null),
    page.getByRole('alert').first().waitFor({ timeout: WAIT }).then(() => page.getByRole('alert').first().innerText())
  ]);
  if (outcome !== null) throw new Error(`signup of ${username} failed in the form: ${outcome}`);
  return page;
}

/**
 * Creates a project through the form and waits for its studio to be live; returns the project's id.
 * Pages are opened with `networkidle`: typing into a form before hydration is lost when hydration resets its bound value.
 */
export async function createProject(page: Page, server: { url: string }, name: string): Promise<string> {
  await page.goto(`${server.url}/projects`, { waitUntil: 'networkidle' });
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/projects\/[a-z2-7]{16}$/, { timeout: WAIT });
  await waitLive(page);
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** Invites a user from the open studio's members panel. */
export async function invite(page: Page, username: string, role: 'editor' | 'viewer') {
  await page.locator('#invite-username').fill(username);
  await page.locator('#invite-role').selectOption(role);
  await page.getByRole('button', { name: 'Invite' }).click();
  await page.locator(`[data-member="${username}"]`).waitFor({ timeout: WAIT });
}

/** The studio is connected and synced, with the editor mounted. */
export async function waitLive(page: Page) {
  await page.locator('[data-status="live"]').waitFor({ timeout: WAIT });
  await page.locator('.cm-content').waitFor({ timeout: WAIT });
}
