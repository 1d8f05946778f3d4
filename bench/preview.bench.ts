// Benchmark: the exact preview (ffmpeg.wasm, single-thread core) of a 10 s range at 360p in Chromium, next to native
// ffmpeg running the same plan (same graph, same arguments) on the same proxies; and how fast the live program
// monitor seeks its proxy when the playhead moves.
// Two 1080p30 H.264/AAC sources go through the real upload and media worker (720p proxies); the cut is 12 s on V1
// (two 6 s clips joined by a 1 s fade) with a title on T1. In the studio, through the UI, the range "10 s from
// playhead" at 1 s is previewed three times: the first run loads the core (32 MB wasm from our server) and compiles
// it, the next ones reuse it. Seek: the time from a click on the ruler (pointerdown) to the monitor video's `seeked`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AssetJson } from '../src/lib/asset';
import { keysBetween } from '../src/lib/editor/model/order';
import { userOrigin } from '../src/lib/editor/model/origin';
import { ProjectDoc } from '../src/lib/editor/model/project-doc';
import { newClip, newTitleClip } from '../src/lib/editor/model/timeline/clip';
import { newTrack } from '../src/lib/editor/model/timeline/track';
import { newTransition } from '../src/lib/editor/model/timeline/transition';
import { DEFAULT_FONT_FILE } from '../src/lib/editor/render/filter-graph';
import { planPreview } from '../src/lib/preview/preview-plan';
import { api, createProject, signup } from '../tests/helpers/api';
import { launchBrowser, waitLive } from '../tests/helpers/browser';
import { seededRng } from '../tests/helpers/prng';
import { connectClient, waitFor } from '../tests/helpers/yclient';
import { deadline, fmtMs, machine, printTargets, round, roundStats, startBenchServer, stats, writeResult, type TargetRow } from './lib/common';

const RANGE = { start: 1, end: 11 };
const PREVIEW_RUNS = 3;
const NATIVE_RUNS = 3;
const SEEKS = 30;
const ZOOM = 60;
/** Seconds of the cut the ruler shows at ZOOM in a 1400 px wide window (the monitor takes the rest). */
const VISIBLE_SECONDS = 10.4;
deadline('preview', 225_000);
const started = Date.now();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-bench-preview-'));
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);

// Sources first: an idle pause between requests lets the server drop the kept-alive connection under fetch's feet.
const sources = [330, 550].map((freq, i) => {
  const file = path.join(dir, `source-${i}.mp4`);
  ff('-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=8', '-f', 'lavfi', '-i', `sine=frequency=${freq}:duration=8`, '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '5M', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file);
  return file;
});
const server = await startBenchServer({ env: { LOCAL_WORKERS: '1' } });
const owner = await signup(server, 'bench_preview');
const projectId = await createProject(server, owner, 'Preview bench');
const uploaded: AssetJson[] = [];
for (const file of sources) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
  const r = await fetch(`${server.url}/api/projects/${projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` }, body: form });
  if (r.status !== 201) throw new Error(`upload failed: ${r.status}`);
  uploaded.push((await r.json()) as AssetJson);
}
for (const a of uploaded) {
  await waitFor(async () => (await api(server, 'GET', `/api/assets/${a.id}`, { token: owner.token })).body.processing.state === 'ready', `${a.originalName} processed`, 120_000);
}
const assets = (await api(server, 'GET', `/api/projects/${projectId}/assets`, { token: owner.token })).body.assets as AssetJson[];
console.log(`preview: sources processed after ${round((Date.now() - started) / 1000, 1)} s`);

const editor = connectClient(server.wsUrl, projectId, owner.token);
await editor.synced;
const [o1, o2] = keysBetween(null, null, 2);
const project = new ProjectDoc(editor.doc);
project.transact(userOrigin(owner.id), (pd) =>
  pd.timeline.apply([
    { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o1 }) },
    { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'Titles', order: o2 }) },
    { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: uploaded[0]!.id, start: 0, in: 1, out: 7 }) },
    { op: 'insert', kind: 'clip', record: newClip({ id: 'c2', trackId: 'v1', assetId: uploaded[1]!.id, start: 6, in: 1, out: 7 }) },
    { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 2, duration: 4, text: 'Preview bench' }) },
    { op: 'insert', kind: 'transition', record: newTransition({ id: 'x1', fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 1 }) }
  ])
);

// ---- Native ffmpeg: the same plan on the same proxies -------------------------------------------------------
const snapshot = project.timeline.snapshot(Object.fromEntries(assets.map((a) => [a.id, a.duration ?? 0])));
const plan = planPreview(snapshot, Object.fromEntries(assets.map((a) => [a.id, a])), RANGE, {
  inputDir: dir,
  fontFile: DEFAULT_FONT_FILE,
  graphFile: path.join(dir, 'graph.txt'),
  output: path.join(dir, 'native.mp4')
});
for (const f of plan.fetch) fs.writeFileSync(path.join(dir, f.name), new Uint8Array(await (await fetch(`${server.url}${f.url}`)).arrayBuffer()));
fs.writeFileSync(path.join(dir, 'graph.txt'), plan.filterComplex);
// Seeking decodes from the previous keyframe: how far apart the proxies' keyframes are bounds the seek time.
const proxyKeyframes = plan.fetch.map((f) =>
  execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', path.join(dir, f.name)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => Number(line.split(',')[0]))
);
const nativeMs: number[] = [];
for (let i = 0; i < NATIVE_RUNS; i++) {
  const t0 = performance.now();
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...plan.args]);
  nativeMs.push(performance.now() - t0);
}

// ---- Chromium: the studio's Exact preview ----------------------------------------------------------------------
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
await page.goto(`${server.url}/login`, { waitUntil: 'networkidle' });
await page.getByLabel('Username').fill(owner.username);
await page.getByLabel('Password').fill(owner.password);
await page.getByRole('button', { name: 'Log in' }).click();
await page.waitForURL(/\/projects$/);
await page.goto(`${server.url}/projects/${projectId}`, { waitUntil: 'networkidle' });
await waitLive(page);
await waitFor(async () => (await page.locator('[data-clip-id]').count()) === 3, 'the clips on the timeline', 20_000);
const ruler = (await page.getByRole('slider', { name: /Time ruler/ }).boundingBox())!;
const clickAt = (t: number) => page.mouse.click(ruler.x + t * ZOOM, ruler.y + ruler.height / 2);
await clickAt(RANGE.start);
await page.locator(`[data-playhead="${RANGE.start.toFixed(3)}"]`).waitFor();
await page.getByLabel('Preview range').selectOption('playhead');

const runs: { clickToReadyMs: number; totalMs: number; renderMs: number; core: string; duration: number }[] = [];
for (let i = 0; i < PREVIEW_RUNS; i++) {
  const t0 = performance.now();
  await page.getByRole('button', { name: 'Exact preview' }).click();
  await page.locator('[data-preview="ready"], [data-preview="failed"]').waitFor({ timeout: 120_000 });
  const clickToReadyMs = performance.now() - t0;
  if (await page.locator('[data-preview="failed"]').count()) throw new Error(`the preview failed: ${await page.getByRole('alert').innerText()}`);
  const v = page.locator('video[data-exact-preview]');
  const duration = await v.evaluate(async (el) => {
    const video = el as HTMLVideoElement;
    if (video.readyState < 1) await new Promise((r) => video.addEventListener('loadedmetadata', r, { once: true }));
    return video.duration;
  });
  runs.push({ clickToReadyMs, totalMs: Number(await v.getAttribute('data-total-ms')), renderMs: Number(await v.getAttribute('data-render-ms')), core: (await v.getAttribute('data-exact-preview'))!, duration });
  await page.getByRole('button', { name: 'Back to live' }).click();
}
console.log(`preview: ${runs.map((r) => `${fmtMs(r.clickToReadyMs)} (ffmpeg ${fmtMs(r.renderMs)})`).join(', ')}`);

// ---- Live monitor seeks ----------------------------------------------------------------------------------------
await page.evaluate(() => {
  const w = window as unknown as { seekStart: number; seeks: number[] };
  w.seeks = [];
  window.addEventListener('pointerdown', () => (w.seekStart = performance.now()), true);
  // Media events do not bubble, but capture listeners on the document still see them.
  document.addEventListener('seeked', (e) => (e.target as Element).matches('.monitor video:not([data-exact-preview])') && w.seeks.push(performance.now() - w.seekStart), true);
});
const rng = seededRng(7);
let missed = 0;
for (let i = 0; i < SEEKS; i++) {
  await clickAt(0.1 + rng.next() * (VISIBLE_SECONDS - 0.1));
  try {
    await page.waitForFunction((n) => (window as unknown as { seeks: number[] }).seeks.length > n, i - missed, { timeout: 3_000, polling: 'raf' });
  } catch {
    missed++;
  }
}
const seeks = await page.evaluate(() => (window as unknown as { seeks: number[] }).seeks);
await browser.close();
editor.destroy();
fs.rmSync(dir, { recursive: true, force: true });

// ---- Results ---------------------------------------------------------------------------------------------------
const cold = runs[0]!;
const warm = runs.slice(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const warmMs = median(warm.map((r) => r.clickToReadyMs));
const warmRenderMs = median(warm.map((r) => r.renderMs));
const nativeMedian = median(nativeMs);
const seekStats = roundStats(stats(seeks), 1);
const rangeSeconds = RANGE.end - RANGE.start;
const ok = runs.every((r) => Math.abs(r.duration - plan.duration) < 0.05);
const targets: TargetRow[] = [
  { metric: `exact preview ${rangeSeconds} s at 360p, Chromium (first: loads the core)`, target: '< 10 s', measured: `${round(cold.clickToReadyMs / 1000, 2)} s`, met: ok && cold.clickToReadyMs < 10_000 },
  { metric: `exact preview ${rangeSeconds} s at 360p, Chromium (core loaded)`, target: '< 10 s', measured: `${round(warmMs / 1000, 2)} s (ffmpeg.wasm ${round(warmRenderMs / 1000, 2)} s)`, met: ok && warmMs < 10_000 },
  { metric: `native ffmpeg, same plan and ${rangeSeconds} s range`, target: '(reference)', measured: `${round(nativeMedian / 1000, 2)} s (wasm ${round(warmRenderMs / nativeMedian, 1)}× slower)`, met: null },
  {
    metric: 'live monitor seek (playhead click → proxy seeked), p95',
    target: '< 100 ms',
    measured: `${fmtMs(seekStats.p95)} (p50 ${fmtMs(seekStats.p50)}, max ${fmtMs(seekStats.max)}, ${seeks.length}/${SEEKS}; proxies have ${proxyKeyframes.map((k) => k.length).join(' and ')} keyframes in 8 s)`,
    met: missed === 0 && seekStats.p95 < 100
  }
];
printTargets(targets);
const details = { range: RANGE, output: { width: plan.width, height: plan.height, duration: plan.duration }, runs, nativeMs: nativeMs.map((x) => round(x)), seeks: seekStats, missedSeeks: missed, proxyKeyframeTimes: proxyKeyframes, warnings: plan.warnings };
console.log(JSON.stringify(details));
const file = writeResult({
  name: 'preview',
  title: 'exact preview (ffmpeg.wasm) of a 10 s range at 360p in Chromium, native ffmpeg on the same plan, live monitor seeks',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  machine: machine(),
  setup: `two 1080p30 sources (720p proxies), 12 s cut with a fade and a title; "10 s from playhead" previewed ${PREVIEW_RUNS}× in headless Chromium through the UI (single-thread core); native: ${NATIVE_RUNS}× the same arguments; ${SEEKS} ruler clicks at seeded random times`,
  targets,
  details
});
console.log(`  results: ${file}`);
process.exit(ok ? 0 : 1);
