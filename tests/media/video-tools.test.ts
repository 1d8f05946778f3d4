import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import type { ProjectCreditsJson } from '$lib/credits';
import type { JobJson } from '$lib/job';
import type { ToolResult } from '$lib/tool';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, ffprobe, h264, tempDir } from '../helpers/media';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startServer, type RunningServer } from '../helpers/server';
import { processed, runTool as runToolAs, uploadProcessed } from '../helpers/studio';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// The video tools (denoise, colour auto-correction, upscale) through the whole system: uploads,
// POST /api/assets/:id/tools/:tool, a real worker running ffmpeg. Each gets synthetic video whose right answer is
// known (a clean source to compare with, a crushed or tinted picture), and the answer is measured with ffmpeg here.
let server: RunningServer;
let team: Team;
let dir: string;

const uploaded = (file: string) => uploadProcessed(server, team.projectId, team.editor, file);

/** Runs the tool and answers its job, the new asset (processed) and that asset's file, downloaded. */
async function runTool(asset: AssetJson, tool: string, body: unknown = {}): Promise<{ job: JobJson & { result: ToolResult }; made: AssetJson; file: string }> {
  const job = await runToolAs(server, team, asset, tool, body);
  const made = await processed(server, team.owner, job.result.assetId!);
  const file = path.join(dir, `${made.id}.mp4`);
  fs.writeFileSync(file, Buffer.from(await (await fetch(`${server.url}${made.url}`)).arrayBuffer()));
  // The original is never changed.
  expect(((await api(server, 'GET', `/api/assets/${asset.id}`, { token: team.owner.token })).body as AssetJson).sha256).toBe(asset.sha256);
  return { job, made, file };
}

const CLEAN = 'testsrc=s=320x240:r=25:d=3';

/** PSNR (dB, all planes) of `file` against the clean lavfi source it was made from. */
async function psnrAgainstClean(file: string): Promise<number> {
  const stderr = await ffmpeg('-i', file, '-f', 'lavfi', '-i', CLEAN, '-lavfi', 'psnr', '-f', 'null', '-');
  return Number(/average:([\d.]+)/.exec(stderr)![1]);
}

/** signalstats' YMIN, YMAX, UAVG and VAVG, each averaged over the frames. */
async function levels(file: string): Promise<{ ymin: number; ymax: number; u: number; v: number }> {
  const stderr = await ffmpeg('-i', file, '-vf', 'signalstats,metadata=print', '-f', 'null', '-');
  const mean = (key: string) => {
    const xs = [...stderr.matchAll(new RegExp(`lavfi\\.signalstats\\.${key}=([\\d.]+)`, 'g'))].map((m) => Number(m[1]));
    expect(xs.length).toBeGreaterThan(10);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  return { ymin: mean('YMIN'), ymax: mean('YMAX'), u: mean('UAVG'), v: mean('VAVG') };
}

const videoOf = (p: Awaited<ReturnType<typeof ffprobe>>) => p.streams.find((s) => s.codec_type === 'video')!;

describe.each(KINDS)('video tools on %s', (kind) => {
  let database: TestDatabase | undefined;
  let noisy: AssetJson;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
    team = await createTeam(server, 'Video tools');
    dir = await tempDir('airstudio-video-tools-');
    const file = path.join(dir, 'noisy.mp4');
    // Grain over a clean test picture: the clean picture is the right answer.
    await ffmpeg('-f', 'lavfi', '-i', CLEAN, '-vf', 'noise=alls=15:allf=t', '-c:v', 'libx264', '-crf', '16', '-pix_fmt', 'yuv420p', file);
    noisy = await uploaded(file);
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('denoise (fast, hqdn3d) brings a grainy clip closer to its clean source, as a new video asset', async () => {
    const before = await psnrAgainstClean(path.join(dir, 'noisy.mp4'));
    const { job, made, file } = await runTool(noisy, 'denoise');
    expect(job.result.report).toMatchObject({ tool: 'denoise', method: 'fast', strength: 4 });
    expect(made).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 320, height: 240 });
    expect(made.title).toContain('denoised');
    expect(await psnrAgainstClean(file)).toBeGreaterThan(before + 1.5);
  });

  it('denoise (quality, nlmeans) brings it closer still', async () => {
    const before = await psnrAgainstClean(path.join(dir, 'noisy.mp4'));
    const { job, file } = await runTool(noisy, 'denoise', { method: 'quality' });
    expect(job.result.report).toMatchObject({ method: 'quality' });
    expect(await psnrAgainstClean(file)).toBeGreaterThan(before + 5);
  });

  it('colour auto-correction widens a crushed clip’s luma range and neutralizes a tint', async () => {
    const file = path.join(dir, 'crushed-tinted.mp4');
    // Luma squeezed into 64–181 (a washed-out picture), chroma pushed towards blue and green (a cast).
    await ffmpeg('-f', 'lavfi', '-i', CLEAN, '-vf', "lutyuv=y='64+val/2':u='val+20':v='val-15'", ...h264, file);
    const asset = await uploaded(file);
    const { job, made, file: out } = await runTool(asset, 'color');
    expect(made.title).toContain('colour corrected');
    expect(job.result.report).toMatchObject({ tool: 'color' });
    const before = await levels(file);
    const after = await levels(out);
    expect(after.ymax - after.ymin).toBeGreaterThan(before.ymax - before.ymin + 60);
    expect(after.ymin).toBeLessThan(26);
    expect(after.ymax).toBeGreaterThan(225);
    const cast = (l: { u: number; v: number }) => Math.hypot(l.u - 128, l.v - 128);
    expect(cast(before)).toBeGreaterThan(20);
    expect(cast(after)).toBeLessThan(cast(before) / 3);
  });

  it('colour auto-correction with balance off leaves the tint alone', async () => {
    const file = path.join(dir, 'tinted.mp4');
    await ffmpeg('-f', 'lavfi', '-i', CLEAN, '-vf', "lutyuv=u='val+20'", ...h264, file);
    const { file: out } = await runTool(await uploaded(file), 'color', { balance: false });
    expect(Math.abs((await levels(out)).u - (await levels(file)).u)).toBeLessThan(2);
  });

  it('upscale doubles the size and keeps the duration and the sound; it is charged at the upscale price', async () => {
    const file = path.join(dir, 'small.mp4');
    await ffmpeg('-f', 'lavfi', '-i', CLEAN, '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000:d=3', ...h264, '-c:a', 'aac', '-shortest', file);
    const asset = await uploaded(file);
    const { job, made, file: out } = await runTool(asset, 'upscale', { factor: 2 });
    expect(made).toMatchObject({ kind: 'video', width: 640, height: 480 });
    expect(made.title).toContain('upscaled');
    expect(job.result.report).toMatchObject({ tool: 'upscale', factor: 2, from: { width: 320, height: 240 } });
    const probe = await ffprobe(out);
    expect(videoOf(probe)).toMatchObject({ width: 640, height: 480 });
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(Math.abs(Number(probe.format.duration) - Number((await ffprobe(file)).format.duration))).toBeLessThanOrEqual(0.1);
    const credits = (await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.owner.token })).body;
    const price = credits.prices.find((p) => p.jobType === 'tool.upscale')!.creditsPerMinute;
    expect(credits.entries.find((e) => e.jobId === job.id)).toMatchObject({ kind: 'charge', jobType: 'tool.upscale', amount: -Math.ceil((asset.duration! / 60) * price) });
  });

  it('refuses what the video tools cannot do with a clear 4xx, and keeps serving', async () => {
    const hd = path.join(dir, 'hd.mp4');
    await ffmpeg('-f', 'lavfi', '-i', 'testsrc=s=1280x720:r=25:d=1', ...h264, hd);
    const tone = path.join(dir, 'tone.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'sine=f=523:sample_rate=48000:d=1', '-c:a', 'pcm_s16le', tone);
    const [video, audio] = await Promise.all([uploaded(hd), uploaded(tone)]);
    const post = (id: string, tool: string, opts: { token?: string; body?: unknown; raw?: string } = {}) =>
      api(server, 'POST', `/api/assets/${id}/tools/${tool}`, { token: team.editor.token, ...opts });

    const charges = async () =>
      (await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.owner.token })).body.entries.filter((e) => e.kind === 'charge').length;
    const chargedBefore = await charges();

    // 1280×720 four times is 5120×2880: past 4K.
    const tooLarge = await post(video.id, 'upscale', { body: { factor: 4 } });
    expectApiError(tooLarge, 422, 'output_too_large');
    expect(tooLarge.body.error.message).toContain('5120×2880');
    for (const tool of ['denoise', 'color', 'upscale']) expectApiError(await post(audio.id, tool), 422, 'tool_not_applicable');
    expectApiError(await post(video.id, 'upscale', { body: { factor: 3 } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'upscale', { body: { factor: '2' } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'denoise', { body: { method: 'ai' } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'denoise', { body: { strength: 1e9 } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'denoise', { body: { filter: 'movie=/etc/passwd' } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'color', { body: { levels: false, balance: false } }), 400, 'invalid_input');
    expectApiError(await post(video.id, 'color', { raw: '{"levels": tru' }), 400, 'invalid_json');
    expectApiError(await post(video.id, 'upscale', { token: team.viewer.token }), 403, 'forbidden');
    expectApiError(await post(video.id, 'upscale', { token: team.outsider.token }), 404, 'not_found');
    // Nothing refused was charged.
    expect(await charges()).toBe(chargedBefore);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBeLessThan(500);
  });
});
