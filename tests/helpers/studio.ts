import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { AssetJson } from '$lib/asset';
import type { JobJson } from '$lib/job';
import type { ToolResult } from '$lib/tool';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newTitleClip } from '$lib/editor/model/timeline/clip';
import { newTrack } from '$lib/editor/model/timeline/track';
import { api, type Team, type TestUser } from './api';
import { WAIT, waitLive } from './browser';
import { connectClient, waitFor } from './yclient';

// What the studio suites share: media uploaded and processed by a real worker, users logged in through the form.
// Processing takes seconds on a 2-core box next to other suites: long waits; nothing asserts a duration.
export const PROCESSING = 120_000;

/** Uploads a file (multipart) as `user` and waits until a worker has processed it; returns the asset as listed then. */
export async function uploadProcessed(server: { url: string }, projectId: string, user: TestUser, file: string): Promise<AssetJson> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
  const r = await fetch(`${server.url}/api/projects/${projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
  if (r.status !== 201) throw new Error(`upload of ${path.basename(file)} answered ${r.status}: ${await r.text()}`);
  const { id } = (await r.json()) as AssetJson;
  return processed(server, user, id, path.basename(file));
}

/** Waits until the asset's processing is done; returns the asset as listed then. */
export async function processed(server: { url: string }, user: TestUser, id: string, what = `asset ${id}`): Promise<AssetJson> {
  let asset: AssetJson | undefined;
  await waitFor(
    async () => {
      asset = (await api<AssetJson>(server, 'GET', `/api/assets/${id}`, { token: user.token })).body;
      return asset.processing.state === 'ready';
    },
    `${what} processed`,
    PROCESSING
  );
  return asset!;
}

/** Starts `tool` on the asset as `team.editor` (checks the 202) and waits for its job to succeed; the job as GET /api/jobs/:id shows it. */
export async function runTool(server: { url: string }, team: Team, asset: AssetJson, tool: string, body: unknown = {}): Promise<JobJson & { result: ToolResult }> {
  const started = await api(server, 'POST', `/api/assets/${asset.id}/tools/${tool}`, { token: team.editor.token, body });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body).toMatchObject({ type: `tool.${tool}`, status: 'queued', input: { assetId: asset.id } });
  let job: JobJson | undefined;
  await waitFor(
    async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${started.body.id}`, { token: team.owner.token })).body).status),
    `tool.${tool} finishes`,
    180_000
  );
  expect(job!.error).toBeNull();
  expect(job!.status).toBe('succeeded');
  return job as JobJson & { result: ToolResult };
}

/** Makes the project's cut one title of `seconds` over y-websocket, as `user`, and waits until the server has it. */
export async function titleOnlyCut(server: { wsUrl: string }, projectId: string, user: TestUser, seconds: number): Promise<void> {
  const editor = connectClient(server.wsUrl, projectId, user.token);
  const observer = connectClient(server.wsUrl, projectId, user.token);
  try {
    await editor.synced;
    new ProjectDoc(editor.doc).transact(userOrigin(user.id), (pd) =>
      pd.timeline.apply([
        { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'Titles', order: keysBetween(null, null, 1)[0] }) },
        { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 0, duration: seconds, text: 'Long title' }) }
      ])
    );
    await observer.synced;
    await waitFor(() => new ProjectDoc(observer.doc).timeline.snapshot().clips.length === 1, 'the server has the title');
  } finally {
    editor.destroy();
    observer.destroy();
  }
}

/** A page in a fresh browser context whose script errors are printed under `name`. */
export async function newPage(browser: Browser, name: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  return page;
}

/** Logs `user` in through the form; the page lands on the projects list. */
export async function logIn(page: Page, base: string, user: TestUser): Promise<Page> {
  await page.goto(`${base}/login`, { waitUntil: 'networkidle' });
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/projects$/, { timeout: WAIT });
  return page;
}

/** A fresh page of `user`, logged in through the form, on the project's studio, live. */
export async function studioPage(browser: Browser, server: { url: string }, projectId: string, user: TestUser, name: string, options: BrowserContextOptions = {}): Promise<Page> {
  return openProject(await logIn(await newPage(browser, name, options), server.url, user), server.url, projectId);
}

/** Opens a project's studio and waits until it is live. */
export async function openProject(page: Page, base: string, projectId: string): Promise<Page> {
  await page.goto(`${base}/projects/${projectId}`, { waitUntil: 'networkidle' });
  await waitLive(page);
  return page;
}
