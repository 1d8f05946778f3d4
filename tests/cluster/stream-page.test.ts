import fs from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startCluster, type Cluster } from '../helpers/cluster';
import { startLiveChannel } from '../helpers/live-channel';
import { tempDir } from '../helpers/media';
import type { RunningServer } from '../helpers/server';
import { newPage } from '../helpers/studio';

// The stream page behind two web processes in real Chromium: one listener's page is served by A, the other's by B.
// A runs the local worker (uploads, the live job); both read the live HLS from the DATA_DIR they share.
let cluster: Cluster;
let A: RunningServer;
let B: RunningServer;
let browser: Browser;
let dir: string;

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

beforeAll(async () => {
  cluster = await startCluster(1, { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' });
  A = cluster.servers[0];
  B = await cluster.start({ LOCAL_WORKERS: '0' });
  dir = await tempDir('airstudio-cluster-stream-');
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function listen(server: RunningServer, slug: string, name: string): Promise<Page> {
  const page = await newPage(browser, name, PHONE);
  await page.goto(`${server.url}/s/${slug}`, { waitUntil: 'networkidle' });
  await page.getByRole('button', { name: 'Play' }).tap();
  await page.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 1, undefined, { timeout: 60_000 });
  return page;
}

describe('the stream page behind two web processes', () => {
  it('a listener on A and one on B both count as listeners (2) and both see a chat message', async () => {
    const channel = await startLiveChannel(A, cluster.team, dir, { name: 'Cluster FM', seconds: 12 });
    const onA = await listen(A, channel.slug, 'listener-a');
    const onB = await listen(B, channel.slug, 'listener-b');
    await onA.locator('[data-listeners="2"]').waitFor({ timeout: WAIT });
    await onB.locator('[data-listeners="2"]').waitFor({ timeout: WAIT });

    await onB.getByRole('textbox', { name: 'Nickname' }).fill('Bea on B');
    await onB.getByRole('button', { name: 'Join chat' }).tap();
    await onB.locator('[data-chat-you]').filter({ hasText: 'Bea on B' }).waitFor({ timeout: WAIT });
    const box = onB.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('hello across the cluster');
    await box.press('Enter');
    for (const page of [onB, onA]) await page.locator('[data-message-body]', { hasText: 'hello across the cluster' }).waitFor({ timeout: WAIT });
  }, 180_000);
});
