import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import type { AssetJson } from '$lib/asset';
import type { BriefJson } from '$lib/brief/brief-json';
import type { DesignKitJson, KitItemJson } from '$lib/design-kit';
import { SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as br from '$lib/editor/model/brief/operations';
import { api, createTeam, type Team, type TestUser } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, processed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The staging board as two editors use it: real Chromium, the built server, a real worker rendering with sharp.
// A places a kit cut-out on the room photo, B sees it (and that A is editing it), A nudges and flips it, renders,
// and the brief photo then points at the staged copy. Setup (upload, kit, brief photo) goes through the API and a
// headless Yjs client; every step after it is a person's click or key.
let server: RunningServer;
let browser: Browser;
let team: Team;
let a: Page;
let b: Page;
let room: AssetJson;
let cutout: KitItemJson;
let watcher: YClient;
let photoId: string;

async function openStudio(user: TestUser, name: string): Promise<Page> {
  return openProject(await logIn(await newPage(browser, name, { viewport: { width: 1600, height: 1100 } }), server.url, user), server.url, team.projectId);
}

async function upload(user: TestUser, url: string, data: Buffer, name: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  // SvelteKit's CSRF check asks form posts for their origin, as a browser sends it.
  const r = await fetch(server.url + url, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, origin: server.url }, body: form });
  if (r.status !== 201) throw new Error(`${url} answered ${r.status}: ${await r.text()}`);
  return r.json();
}

/** Opens the photo's detail panel and its staging board. */
async function openBoard(page: Page) {
  await page.locator(`[data-brief] [data-photo-id="${photoId}"]`).click();
  await page.locator('[data-open-staging]').click();
  await page.locator(`[data-staging-board="${photoId}"]`).waitFor({ timeout: WAIT });
}

const placements = () => new ProjectDoc(watcher.doc).brief.staging().placements;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Staging 3 Elm Row');
  const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
  room = await processed(server, team.owner, (await upload(team.owner, `/api/projects/${team.projectId}/assets`, png, 'living room.png')).id);
  const kit = (await api<DesignKitJson>(server, 'POST', `/api/projects/${team.projectId}/design-kits`, { token: team.owner.token, body: { name: 'Coastal', palette: ['#e0f0ff'] } })).body;
  const sofa = await sharp({ create: { width: 60, height: 30, channels: 4, background: { r: 220, g: 20, b: 20, alpha: 1 } } })
    .extend({ top: 5, bottom: 5, left: 5, right: 5, background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer();
  cutout = await upload(team.owner, `/api/projects/${team.projectId}/design-kits/${kit.id}/items`, sofa, 'red sofa.png', { role: 'cutout' });

  watcher = connectClient(server.wsUrl, team.projectId, team.owner.token);
  await watcher.synced;
  const project = new ProjectDoc(watcher.doc);
  project.transact(SERVER_ORIGIN, () => {
    const r = br.addPhotos(project.brief.snapshot(), { assetIds: [room.id], assets: { [room.id]: { kind: 'image' } } });
    if (!r.ok) throw new Error(r.reason);
    project.brief.apply(r.changes);
  });
  photoId = project.brief.snapshot().photos[0].id;
  await waitFor(async () => (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.owner.token })).body.photos.length === 1, 'the brief photo reaches the server', WAIT);

  browser = await launchBrowser();
  [a, b] = await Promise.all([openStudio(team.owner, 'A'), openStudio(team.editor, 'B')]);
}, 300_000);

afterAll(async () => {
  watcher?.destroy();
  await browser?.close();
  await server?.destroy();
});

describe('the staging board', { timeout: 120_000 }, () => {
  it('says a staging provider is not configured, and offers the kit’s cut-outs', async () => {
    await openBoard(a);
    await a.locator('[data-provider-missing]').getByText('No staging provider is configured').waitFor({ timeout: WAIT });
    await expect(a.getByRole('button', { name: 'Stage with provider' }).count()).resolves.toBe(0);
    await a.locator(`[data-place="${cutout.id}"]`).waitFor({ timeout: WAIT });
  });

  it('A places a cut-out; B sees it on the same photo, marked as being edited by A', async () => {
    await openBoard(b);
    await a.locator(`[data-place="${cutout.id}"]`).click();
    const placed = a.locator(`[data-staging-board] img[data-placement][data-cutout="${cutout.id}"]`);
    await placed.waitFor({ timeout: WAIT });
    const id = (await placed.getAttribute('data-placement'))!;
    await b.locator(`[data-staging-board] img[data-placement="${id}"]`).waitFor({ timeout: WAIT });
    await waitFor(() => placements().some((p) => p.id === id && p.cutoutId === cutout.id && p.photoId === photoId), 'the placement is in the document', WAIT);
    // On screen the cut-out stands where the render will put it: centre and width as fractions of the photo.
    const p = placements().find((q) => q.id === id)!;
    const stage = (await a.locator('[data-staging-board] .stage').boundingBox())!;
    const box = (await placed.boundingBox())!;
    expect(Math.abs(box.x + box.width / 2 - (stage.x + p.x * stage.width))).toBeLessThan(3);
    expect(Math.abs(box.y + box.height / 2 - (stage.y + p.y * stage.height))).toBeLessThan(3);
    expect(Math.abs(box.width - p.width * stage.width)).toBeLessThan(3);
    // Presence: B's board names who is editing the cut-out.
    await b.locator(`[data-editing="${id}"]`).waitFor({ timeout: WAIT });
    await expect(b.locator(`[data-editing="${id}"]`).textContent()).resolves.toContain(team.owner.username);
  });

  it('A nudges it with the arrow keys and flips it with H; B’s board follows; Ctrl+Z undoes A’s flip', async () => {
    const before = placements()[0];
    const onB = b.locator(`[data-staging-board] img[data-placement="${before.id}"]`);
    const transformOnB = await onB.evaluate((el) => (el as HTMLElement).style.transform);
    await a.locator('[data-staging-board] .stage').focus();
    await a.keyboard.press('Shift+ArrowRight');
    await a.keyboard.press('h');
    await waitFor(() => placements()[0].flip && placements()[0].x > before.x, 'the nudge and the flip reach the document', WAIT);
    // B's board draws the moved, mirrored cut-out (the warp's matrix changes with both).
    await expect.poll(() => onB.evaluate((el) => (el as HTMLElement).style.transform), { timeout: WAIT }).not.toBe(transformOnB);
    await a.keyboard.press('Control+z');
    await waitFor(() => !placements()[0].flip, 'the flip is undone', WAIT);
    expect(placements()[0].x).toBeGreaterThan(before.x);
  });

  it('A renders: the staged copy is a new library image and the brief photo points at it', async () => {
    await a.getByRole('button', { name: 'Render staged photo' }).click();
    const staged = a.locator('[data-staged-asset]');
    await staged.waitFor({ timeout: 90_000 });
    const assetId = (await staged.getAttribute('data-staged-asset'))!;
    const asset = await processed(server, team.editor, assetId);
    expect(asset).toMatchObject({ kind: 'image', mime: 'image/jpeg', width: 320, height: 240 });
    const brief = (await api<BriefJson>(server, 'GET', `/api/projects/${team.projectId}/brief`, { token: team.viewer.token })).body;
    expect(brief.photos[0]).toMatchObject({ id: photoId, assetId: room.id, stagedAssetId: assetId });
    // B's panel shows the staged copy too.
    await b.locator(`[data-staged-asset="${assetId}"]`).waitFor({ timeout: WAIT });
  });

  it('the design kits page lists the kit with its cut-out, and makes a new kit from its form', async () => {
    await a.goto(`${server.url}/projects/${team.projectId}/design-kits`, { waitUntil: 'networkidle' });
    await a.locator(`[data-kit-item="${cutout.id}"][data-role="cutout"]`).waitFor({ timeout: WAIT });
    await a.locator('input[name="kit-name"]').fill('Mid-century');
    await a.locator('input[name="kit-palette"]').fill('#c46a2b #2f4f4f');
    await a.getByRole('button', { name: 'Create kit' }).click();
    await a.getByRole('region', { name: 'Kit Mid-century' }).waitFor({ timeout: WAIT });
    const kits = (await api<{ kits: DesignKitJson[] }>(server, 'GET', `/api/projects/${team.projectId}/design-kits`, { token: team.viewer.token })).body.kits;
    expect(kits.find((k) => k.name === 'Mid-century')?.palette).toEqual(['#c46a2b', '#2f4f4f']);
  });
});
