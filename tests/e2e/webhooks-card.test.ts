import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { uniqueName } from '../helpers/api';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The channel page's Webhooks card in real Chromium: add an endpoint, see its secret once, send a test, read the log.
let server: RunningServer;
let browser: Browser;
let receiver: http.Server;
const events: string[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    events.push(String(req.headers['x-airstudio-event']));
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  server = await startServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  await new Promise((r) => receiver?.close(r));
});

describe('the Webhooks card', () => {
  it('adds a webhook with its secret shown once, sends a test and shows the delivery', async () => {
    const page = await signUp(browser, server, uniqueName('hooks'), 'Hook Owner', { reportErrors: true });
    const projectId = await createProject(page, server, 'Hook station');
    const made = await page.request.post(`${server.url}/api/projects/${projectId}/channels`, { data: { name: 'Hook Radio' } });
    expect(made.status()).toBe(201);
    const channel = (await made.json()) as { id: string };
    await page.goto(`${server.url}/projects/${projectId}/channels/${channel.id}`);

    const card = page.locator('[data-webhooks]');
    await card.getByText('No webhooks yet.').waitFor({ timeout: WAIT });
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await card.getByLabel('URL').fill(url);
    await card.getByLabel('channel.online').check();
    await card.getByRole('button', { name: 'Add webhook' }).click();
    const secret = card.locator('[data-webhook-secret] code');
    await secret.waitFor({ timeout: WAIT });
    expect((await secret.textContent())!.trim()).toMatch(/^whsec_/);
    await card.getByText(url).waitFor({ timeout: WAIT });

    await card.getByRole('button', { name: 'Send test' }).click();
    await waitFor(() => events.includes('ping'), 'the ping at the receiver', WAIT);
    await expect
      .poll(async () => {
        await card.getByRole('button', { name: 'Deliveries' }).click();
        return card.locator('table.log tbody tr').first().textContent();
      }, { timeout: WAIT })
      .toMatch(/ping\s*delivered\s*1\s*204/);

    // A reload shows the endpoint but never the secret again.
    await page.reload();
    await card.getByText(url).waitFor({ timeout: WAIT });
    expect(await card.locator('[data-webhook-secret]').count()).toBe(0);
  });
});
