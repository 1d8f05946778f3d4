import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import { DEFAULT_FONT_FILE } from '$lib/editor/render/filter-graph';
import { newTrack } from '$lib/editor/model/timeline/track';
import { newTransition } from '$lib/editor/model/timeline/transition';
import { planPreview } from '$lib/preview/preview-plan';
import { api, createTeam, type Team } from '../helpers/api';
import { launchBrowser, WAIT } from '../helpers/browser';
import { ffmpeg, ffprobe, h264, picture, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { logIn, newPage, openProject, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

// The exact preview as people use it: real Chromium, the built server, a real worker processing the uploads, and
// ffmpeg.wasm rendering in the page. Waits are generous (a 2-core box next to other suites); no duration is asserted.
const PREVIEW = 240_000;
const FPS = 30;

let server: RunningServer;
let browser: Browser;
let team: Team;
let dir = '';
let editor: YClient;
let assets: AssetJson[] = [];

beforeAll(async () => {
  dir = await tempDir('airstudio-preview-e2e-');
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  team = await createTeam(server, 'Preview cut');
  const a = path.join(dir, 'opening.mp4');
  const b = path.join(dir, 'closing.mp4');
  await Promise.all([
    ffmpeg(...picture(5), ...sine(5, 440), '-shortest', ...h264, '-c:a', 'aac', a),
    ffmpeg(...picture(5, '320x240', 30), ...sine(5, 660), '-shortest', ...h264, '-c:a', 'aac', b)
  ]);
  const uploaded = await Promise.all([a, b].map((file) => uploadProcessed(server, team.projectId, team.owner, file)));
  assets = (await api(server, 'GET', `/api/projects/${team.projectId}/assets`, { token: team.owner.token })).body.assets as AssetJson[];
  const [clipA, clipB] = uploaded.map((u) => assets.find((x) => x.id === u.id)!);

  // 1920×1080 at 30 fps: two clips joined by a 1 s fade, a title over the first (the font comes from us too).
  editor = connectClient(server.wsUrl, team.projectId, team.editor.token);
  await editor.synced;
  const [o1, o2] = keysBetween(null, null, 2);
  new ProjectDoc(editor.doc).transact(userOrigin(team.editor.id), (pd) =>
    pd.timeline.apply([
      { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o1 }) },
      { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'Titles', order: o2 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: clipA!.id, start: 0, in: 0, out: 4 }) },
      { op: 'insert', kind: 'clip', record: newClip({ id: 'c2', trackId: 'v1', assetId: clipB!.id, start: 4, in: 0.5, out: 4.5 }) },
      { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 1, duration: 2, text: 'Exact preview' }) },
      { op: 'insert', kind: 'transition', record: newTransition({ id: 'x1', fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 1 }) }
    ])
  );
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  editor?.destroy();
  await browser?.close();
  await server?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Logs in through the form and opens the project's studio, live, with its three clips shown. */
async function openStudio(context?: BrowserContext, base = server.url): Promise<Page> {
  const page = context ? await context.newPage() : await newPage(browser, 'preview', { acceptDownloads: true });
  await openProject(await logIn(page, base, team.owner), base, team.projectId);
  await waitFor(async () => (await page.locator('[data-clip-id]').count()) === 3, 'the three clips on the timeline', WAIT);
  return page;
}

/**
 * A reverse proxy in front of the server that makes every page cross-origin isolated (COOP + COEP); a request for
 * the path `stall` is never answered.
 */
async function isolatingProxy(port: number, stall?: string): Promise<http.Server & { url: string }> {
  const proxy = http.createServer((req, res) => {
    if (req.url === stall) return;
    const upstream = http.request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, { ...r.headers, 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      r.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // WebSockets (Yjs, socket.io): the upgrade request goes through as it came, then bytes both ways.
  proxy.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(port, '127.0.0.1', () => {
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headersDistinct).flatMap(([k, vs]) => vs!.map((v) => `${k}: ${v}\r\n`)).join('')}\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return Object.assign(proxy, { url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}` });
}

/** The finished preview as the page holds it: its size, length and whether it plays. */
async function playable(page: Page) {
  return page.locator('video[data-exact-preview]').evaluate(async (el) => {
    const v = el as HTMLVideoElement;
    if (v.readyState < 1) await new Promise((r) => v.addEventListener('loadedmetadata', r, { once: true }));
    v.muted = true;
    await v.play();
    const t0 = v.currentTime;
    await new Promise((r) => setTimeout(r, 700));
    v.pause();
    return { width: v.videoWidth, height: v.videoHeight, duration: v.duration, advanced: v.currentTime - t0, error: v.error?.message ?? null };
  });
}

async function startPreview(page: Page, range: 'selection' | 'whole' | 'playhead') {
  await page.getByLabel('Preview range').selectOption(range);
  await page.getByRole('button', { name: 'Exact preview' }).click();
  await page.locator('[data-preview="running"]').waitFor({ timeout: WAIT });
}

describe('exact preview (ffmpeg.wasm) in the program monitor', () => {
  it('renders the whole cut at 360p in the browser, playable, as native ffmpeg renders the same graph, from our own server only', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await openStudio(context);

    await startPreview(page, 'whole');
    await page.getByRole('status').filter({ hasText: /Rendering \d+%/ }).waitFor({ timeout: PREVIEW });
    await page.locator('[data-preview="ready"]').waitFor({ timeout: PREVIEW });
    await page.getByText(/A 360p preview \(640×360\) of the final render, 0:00\.0–0:08\.0/).waitFor({ timeout: WAIT });

    // Not cross-origin isolated (the app sends no COOP/COEP): the single-thread core.
    expect(await page.locator('video[data-exact-preview]').getAttribute('data-exact-preview')).toBe('single-thread');
    const shown = await playable(page);
    expect(shown.error).toBeNull();
    expect([shown.width, shown.height]).toEqual([640, 360]);
    expect(Math.abs(shown.duration - 8)).toBeLessThanOrEqual(1 / FPS + 0.03);
    expect(shown.advanced).toBeGreaterThan(0.1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()]);
    const wasmFile = path.join(dir, 'wasm-preview.mp4');
    await download.saveAs(wasmFile);
    const probe = await ffprobe(wasmFile);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video.codec_name).toBe('h264');
    expect([video.width, video.height]).toEqual([640, 360]);
    expect(Math.abs(Number(video.duration) - 8)).toBeLessThanOrEqual(1 / FPS + 1e-3);
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(await ffmpeg('-v', 'error', '-i', wasmFile, '-f', 'null', '-')).toBe('');

    // Native ffmpeg runs the same plan on the same proxies: the pictures must agree (x264 builds differ, so PSNR).
    const snapshot = new ProjectDoc(editor.doc).timeline.snapshot(Object.fromEntries(assets.map((a) => [a.id, a.duration ?? 0])));
    const byId = Object.fromEntries(assets.map((a) => [a.id, a]));
    const nativeFile = path.join(dir, 'native-preview.mp4');
    const plan = planPreview(snapshot, byId, { start: 0, end: 8 }, { inputDir: dir, fontFile: DEFAULT_FONT_FILE, graphFile: path.join(dir, 'graph.txt'), output: nativeFile });
    expect(plan.fetch).toHaveLength(2);
    for (const f of plan.fetch) fs.writeFileSync(path.join(dir, f.name), new Uint8Array(await (await fetch(`${server.url}${f.url}`)).arrayBuffer()));
    fs.writeFileSync(path.join(dir, 'graph.txt'), plan.filterComplex);
    await ffmpeg(...plan.args);
    const psnr = await ffmpeg('-i', wasmFile, '-i', nativeFile, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-');
    expect(Number(/average:([\d.]+|inf)/.exec(psnr)?.[1]?.replace('inf', '99'))).toBeGreaterThan(30);

    // The cores, the font and the sources came from us: nothing left the origin (workers' requests included).
    expect(requests.some((u) => u.endsWith('/ffmpeg/core/ffmpeg-core.wasm'))).toBe(true);
    expect(requests.some((u) => u.endsWith('/ffmpeg/fonts/DejaVuSans-Bold.ttf'))).toBe(true);
    expect(requests.filter((u) => !u.startsWith(`${server.url}/`) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);

    await page.getByRole('button', { name: 'Back to live' }).click();
    await page.locator('video[data-exact-preview]').waitFor({ state: 'detached', timeout: WAIT });
    await context.close();
  }, 400_000);

  it('Cancel terminates the worker at once; the next preview (the selected clip) works', async () => {
    const page = await openStudio();
    const workers: { url: string; closed: boolean }[] = [];
    page.on('worker', (w) => {
      const entry = { url: w.url(), closed: false };
      workers.push(entry);
      w.on('close', () => (entry.closed = true));
    });
    // Cancelled while ffmpeg runs (the 8 s cut takes seconds to render), the hardest moment to stop it.
    await startPreview(page, 'whole');
    await page.getByRole('status').filter({ hasText: /Rendering/ }).waitFor({ timeout: PREVIEW });
    expect(workers.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-preview="idle"]').waitFor({ timeout: WAIT });
    await waitFor(() => workers.every((w) => w.closed), 'the worker terminated', 5_000);
    expect(await page.locator('video[data-exact-preview]').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);

    // The monitor is usable again: select the second clip and preview just it.
    await page.locator('[data-clip-id][data-start="4.000"]').click();
    await page.locator('[data-clip-id][data-selected="true"][data-start="4.000"]').waitFor({ timeout: WAIT });
    await startPreview(page, 'selection');
    await page.locator('[data-preview="ready"]').waitFor({ timeout: PREVIEW });
    const shown = await playable(page);
    expect(shown.error).toBeNull();
    expect(Math.abs(shown.duration - 4)).toBeLessThanOrEqual(1 / FPS + 0.03);
    await page.context().close();
  }, 400_000);

  it('a source that cannot be downloaded fails in plain words; the monitor stays usable', async () => {
    const page = await openStudio();
    // The server answers 503 for the proxies of this page (a proxy restarting, say): only for this page.
    await page.route('**/variants/proxy**', (route) => route.fulfill({ status: 503, body: 'unavailable' }));
    await startPreview(page, 'whole');
    await page.locator('[data-preview="failed"]').waitFor({ timeout: PREVIEW });
    expect(await page.getByRole('alert').innerText()).toBe('A source could not be downloaded (HTTP 503); reload the page and try again.');
    expect(await page.getByRole('button', { name: 'Exact preview' }).isEnabled()).toBe(true);
    await page.unrouteAll();
    await page.getByRole('button', { name: 'Exact preview' }).click();
    await page.locator('[data-preview="ready"]').waitFor({ timeout: PREVIEW });
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.context().close();
  }, 400_000);

  it('on a cross-origin isolated page (COOP/COEP) it uses the multi-thread core; one that does not load in time falls back to the single-thread core', async () => {
    // The app does not isolate its pages; a deployment can, with two headers at its reverse proxy, as this one adds.
    async function previewThrough(stall?: string) {
      const proxy = await isolatingProxy(server.port, stall);
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const warnings: string[] = [];
      try {
        const page = await openStudio(context, proxy.url);
        page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
        await startPreview(page, 'whole');
        await page.locator('[data-preview="ready"]').waitFor({ timeout: PREVIEW });
        const shown = await playable(page);
        expect(shown.error).toBeNull();
        expect(Math.abs(shown.duration - 8)).toBeLessThanOrEqual(1 / FPS + 0.03);
        return { core: await page.locator('video[data-exact-preview]').getAttribute('data-exact-preview'), warnings };
      } finally {
        await context.close();
        proxy.closeAllConnections();
        await new Promise((r) => proxy.close(r));
      }
    }
    expect((await previewThrough()).core).toBe('multi-thread');
    // Its wasm never arrives: after the load timeout the preview is made with the single-thread core.
    const fallback = await previewThrough('/ffmpeg/core-mt/ffmpeg-core.wasm');
    expect(fallback.core).toBe('single-thread');
    expect(fallback.warnings.some((w) => w.includes('the multi-thread core failed'))).toBe(true);
  }, 400_000);

  it('serves the ffmpeg.wasm cores, the font and their licences itself, with the right types', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    for (const [served, file, type] of [
      ['/ffmpeg/core/ffmpeg-core.wasm', 'node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.wasm', 'application/wasm'],
      ['/ffmpeg/core/ffmpeg-core.js', 'node_modules/@ffmpeg/core/dist/esm/ffmpeg-core.js', 'text/javascript'],
      ['/ffmpeg/core-mt/ffmpeg-core.worker.js', 'node_modules/@ffmpeg/core-mt/dist/esm/ffmpeg-core.worker.js', 'text/javascript'],
      ['/ffmpeg/fonts/DejaVuSans-Bold.ttf', DEFAULT_FONT_FILE, 'font/ttf']
    ] as const) {
      // fetch asks for br/gzip and decodes: the precompressed copies must decode to the very files.
      const r = await fetch(`${server.url}${served}`);
      expect(r.status, served).toBe(200);
      expect(r.headers.get('content-type'), served).toContain(type);
      expect(Buffer.from(await r.arrayBuffer()).equals(fs.readFileSync(path.isAbsolute(file) ? file : path.join(root, file))), served).toBe(true);
    }
    const notice = await fetch(`${server.url}/ffmpeg/NOTICE.txt`);
    expect(await notice.text()).toMatch(/@ffmpeg\/core 0\.12\.\d+: GPL-2\.0-or-later/);
    expect((await fetch(`${server.url}/ffmpeg/fonts/LICENSE.txt`)).status).toBe(200);
  }, 60_000);
});
