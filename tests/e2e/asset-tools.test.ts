import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AssetJson } from '$lib/asset';
import { createProject, launchBrowser, signUp, WAIT } from '../helpers/browser';
import { voice } from '../../workers/ai/voice';
import { writeShots } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// The Tools section of the library's asset drawer: real Chromium, the built server and one local worker running ffmpeg.
const PROCESSING = 120_000;

const run = promisify(execFile);
let server: RunningServer;
let browser: Browser;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airstudio-tools-e2e-'));
  const ffmpeg = (...args: string[]) => run('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'error', '-y', ...args]);
  await Promise.all([
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3', '-c:a', 'pcm_s16le', path.join(dir, 'voice.wav')),
    writeShots(path.join(dir, 'shots.mp4')),
    // 720p, so 4× upscale (5120×2880) is past 4K; luma squeezed into 64–181, so colour correction has levels to stretch.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=1280x720:r=25:d=1', '-vf', "lutyuv=y='64+val/2'", '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(dir, 'hd.mp4')),
    voice('hello world this is the morning show on air studio radio', { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0 }, path.join(dir, 'sentence.wav')),
    // The ESRGAN package's own 128×128 test picture.
    copyFile('node_modules/@upscalerjs/esrgan-slim/assets/fixture.png', path.join(dir, 'still.png'))
  ]);
  server = await startServer({ env: { LOCAL_WORKERS: '1' } });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Uploads with the page's own session and waits until a worker has processed the file. */
async function uploadProcessed(page: Page, projectId: string, file: string, mimeType: string): Promise<AssetJson> {
  const r = await page.request.post(`${server.url}/api/projects/${projectId}/assets`, {
    multipart: { file: { name: path.basename(file), mimeType, buffer: await readFile(path.join(dir, file)) } }
  });
  expect(r.status()).toBe(201);
  const { id } = (await r.json()) as AssetJson;
  let asset: AssetJson | undefined;
  await waitFor(async () => (asset = (await (await page.request.get(`${server.url}/api/assets/${id}`)).json()) as AssetJson).processing.state === 'ready', `${file} processed`, PROCESSING);
  return asset!;
}

describe('asset tools in the library', () => {
  // Two uploads, cleanup (with RNNoise) and scene detection: past the default 30 s when the box is shared.
  it('shows which tools apply with the reason, runs scene detection to its cut list, and opens the asset cleanup made', async () => {
    const owner = await signUp(browser, server, 'tilda', 'Tilda Tools', { reportErrors: true });
    const projectId = await createProject(owner, server, 'Tools show');
    await uploadProcessed(owner, projectId, 'voice.wav', 'audio/wav');
    await uploadProcessed(owner, projectId, 'shots.mp4', 'video/mp4');
    await owner.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
    await owner.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });

    // Sound only: the picture tools are off and say why; cleanup runs and its new asset opens from the result.
    await owner.getByRole('button', { name: 'Open voice' }).click();
    let drawer = owner.getByRole('dialog', { name: 'voice' });
    await drawer.waitFor({ timeout: WAIT });
    const stabilize = drawer.locator('[data-tool="stabilize"]');
    expect(await stabilize.getByRole('button', { name: 'Run' }).isDisabled()).toBe(true);
    expect(await stabilize.innerText()).toContain('needs a video');
    const cleanup = drawer.locator('[data-tool="cleanup"]');
    await cleanup.getByRole('button', { name: 'Run' }).click();
    await cleanup.locator('[data-result="cleanup"]').waitFor({ timeout: PROCESSING });
    expect(await cleanup.locator('[data-report]').innerText()).toMatch(/^RNNoise \(neural noise suppression\) · no hum notched · noise floor −\d+(\.\d)? dB · −\d+(\.\d)? → −16 LUFS/);
    await cleanup.getByRole('button', { name: /^Open “voice \(cleaned up\)”/ }).click();
    await owner.getByRole('dialog', { name: 'voice (cleaned up)' }).waitFor({ timeout: WAIT });

    // A video: scene detection shows its progress, then where the shots start.
    await owner.getByRole('button', { name: 'Open shots' }).click();
    drawer = owner.getByRole('dialog', { name: 'shots' });
    await drawer.waitFor({ timeout: WAIT });
    expect(await drawer.locator('[data-tool="cleanup"]').innerText()).toContain('needs sound');
    const scenes = drawer.locator('[data-tool="scenes"]');
    await scenes.getByRole('button', { name: 'Run' }).click();
    await scenes.locator('[data-result="scenes"]').waitFor({ timeout: PROCESSING });
    const cuts = await scenes.locator('.findings li').allInnerTexts();
    expect(cuts).toHaveLength(2);
    expect(cuts[0]).toMatch(/^0:0[12]\.\d\d/);
    expect(cuts[1]).toMatch(/^0:0[34]\.\d\d/);
    expect(await scenes.innerText()).toContain('2 cuts');
    await owner.screenshot({ path: path.join(os.tmpdir(), 'airstudio-asset-tools.png') });
  }, 90_000);

  it('offers upscale only up to 4K, and runs colour auto-correction to its report and new asset', async () => {
    const owner = await signUp(browser, server, 'vera', 'Vera Video', { reportErrors: true });
    const projectId = await createProject(owner, server, 'Video tools show');
    await uploadProcessed(owner, projectId, 'hd.mp4', 'video/mp4');
    await owner.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
    await owner.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });
    await owner.getByRole('button', { name: 'Open hd' }).click();
    const drawer = owner.getByRole('dialog', { name: 'hd' });
    await drawer.waitFor({ timeout: WAIT });

    const upscale = drawer.locator('[data-tool="upscale"]');
    // A video is upscaled by scaling, and the tool says so: ESRGAN is for stills.
    expect(await upscale.locator('[data-method]').innerText()).toContain('Method: Lanczos scaling + sharpening');
    expect(await upscale.getByRole('button', { name: '2×' }).isDisabled()).toBe(false);
    const four = upscale.getByRole('button', { name: '4×' });
    expect(await four.isDisabled()).toBe(true);
    expect(await four.getAttribute('title')).toContain('larger than 4K');
    const denoise = drawer.locator('[data-tool="denoise"]');
    expect(await denoise.getByRole('button', { name: 'Fast' }).isDisabled()).toBe(false);

    const color = drawer.locator('[data-tool="color"]');
    await color.getByRole('button', { name: 'Run' }).click();
    await color.locator('[data-result="color"]').waitFor({ timeout: PROCESSING });
    expect(await color.locator('[data-report]').innerText()).toMatch(/^levels 6\d–1\d\d stretched ×1\.\d+ · cast shifted U -?[\d.]+, V -?[\d.]+$/);
    await color.getByRole('button', { name: /^Open “hd \(colour corrected\)”/ }).click();
    await owner.getByRole('dialog', { name: 'hd (colour corrected)' }).waitFor({ timeout: WAIT });
  });

  it('upscales a still by ESRGAN and finds speech by Silero VAD, saying which method ran', async () => {
    const owner = await signUp(browser, server, 'nina', 'Nina Neural', { reportErrors: true });
    const projectId = await createProject(owner, server, 'Neural tools show');
    await uploadProcessed(owner, projectId, 'still.png', 'image/png');
    await uploadProcessed(owner, projectId, 'sentence.wav', 'audio/wav');
    await owner.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
    await owner.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });

    await owner.getByRole('button', { name: 'Open still' }).click();
    let drawer = owner.getByRole('dialog', { name: 'still' });
    await drawer.waitFor({ timeout: WAIT });
    const upscale = drawer.locator('[data-tool="upscale"]');
    expect(await upscale.locator('[data-method]').innerText()).toBe('Method: ESRGAN (neural, slim model).');
    expect(await drawer.locator('[data-tool="speech"]').innerText()).toContain('not images');
    await upscale.getByRole('button', { name: '2×' }).click();
    await upscale.locator('[data-result="upscale"]').waitFor({ timeout: PROCESSING });
    expect(await upscale.locator('[data-report]').innerText()).toBe('128×128 → 256×256 (ESRGAN (neural, slim model))');
    await upscale.getByRole('button', { name: /^Open “still \(upscaled\)”/ }).click();
    await owner.getByRole('dialog', { name: 'still (upscaled)' }).waitFor({ timeout: WAIT });

    await owner.getByRole('button', { name: 'Open sentence' }).click();
    drawer = owner.getByRole('dialog', { name: 'sentence' });
    await drawer.waitFor({ timeout: WAIT });
    const speech = drawer.locator('[data-tool="speech"]');
    await speech.getByRole('button', { name: 'Run' }).click();
    await speech.locator('[data-result="speech"]').waitFor({ timeout: PROCESSING });
    expect(await speech.innerText()).toMatch(/1 speech segment, \d\.\d s in all/);
    expect(await speech.locator('.findings li').count()).toBe(1);
  });

  it('captions a spoken sentence built-in and offers the WebVTT and SRT to download; the openai engine says when no service is set', async () => {
    const owner = await signUp(browser, server, 'cora', 'Cora Captions', { reportErrors: true });
    const projectId = await createProject(owner, server, 'Captions show');
    await uploadProcessed(owner, projectId, 'sentence.wav', 'audio/wav');
    await owner.goto(`${server.url}/projects/${projectId}/library`, { waitUntil: 'networkidle' });
    await owner.locator('[data-dropzone][data-live="true"]').waitFor({ timeout: WAIT });
    await owner.getByRole('button', { name: 'Open sentence' }).click();
    const drawer = owner.getByRole('dialog', { name: 'sentence' });
    await drawer.waitFor({ timeout: WAIT });
    const captions = drawer.locator('[data-tool="captions"]');
    expect(await captions.innerText()).toContain('built-in speech recognition (pocketsphinx, English, modest accuracy)');

    const engine = captions.getByRole('combobox', { name: 'Speech recognition engine' });
    await engine.selectOption('openai');
    await captions.getByRole('button', { name: 'Caption' }).click();
    expect(await captions.getByRole('alert').innerText()).toContain('No OpenAI-compatible service is set for this project');

    await engine.selectOption('builtin');
    await captions.getByRole('button', { name: 'Caption' }).click();
    await captions.locator('[data-result="captions"]').waitFor({ timeout: PROCESSING });
    expect(await captions.locator('[data-result="captions"]').innerText()).toMatch(/\d+ captions?, by built-in speech recognition/);
    const vtt = captions.getByRole('link', { name: 'Download captions.vtt' });
    await vtt.waitFor({ timeout: WAIT });
    await captions.getByRole('link', { name: 'Download captions.srt' }).waitFor({ timeout: WAIT });
    const file = await owner.request.get(new URL((await vtt.getAttribute('href'))!, server.url).toString());
    expect(file.headers()['content-disposition']).toMatch(/^attachment;/);
    expect(await file.text()).toMatch(/^WEBVTT\n\n1\n00:00:\d\d\.\d{3} --> /);
  });
});
