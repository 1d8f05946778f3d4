import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectCreditsJson } from '$lib/credits';
import { io, type Socket } from 'socket.io-client';
import type { AssetJson } from '$lib/asset';
import type { JobJson } from '$lib/job';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, ffprobe, h264, loudness, tempDir, writeShots } from '../helpers/media';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startServer, type RunningServer } from '../helpers/server';
import { processed, runTool as runToolAs, uploadProcessed } from '../helpers/studio';
import { waitFor } from '../helpers/yclient';

const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

// The media tools through the whole system: uploads, POST /api/assets/:id/tools/:tool, a real worker running ffmpeg.
// Each tool gets synthetic media whose right answer is known, and the answer is measured with ffmpeg here.
let server: RunningServer;
let team: Team;
let dir: string;

const ready = (id: string) => processed(server, team.owner, id);
const uploaded = (file: string) => uploadProcessed(server, team.projectId, team.editor, file);
const runTool = (asset: AssetJson, tool: string, body: unknown = {}) => runToolAs(server, team, asset, tool, body);

async function download(asset: AssetJson, name: string): Promise<string> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(await (await fetch(`${server.url}${asset.url}`)).arrayBuffer()));
  return file;
}

/** Level (dB) of a 100 Hz band around `hz` against everything outside a 400 Hz band around it. */
async function bandSnr(file: string, hz: number): Promise<number> {
  const rms = async (filter: string) => {
    const stderr = await ffmpeg('-i', file, '-af', `${filter},astats=metadata=0`, '-f', 'null', '-');
    return Number([...stderr.matchAll(/RMS level dB: (-?[\d.]+)/g)].at(-1)![1]);
  };
  return (await rms(`bandpass=f=${hz}:width_type=h:w=100`)) - (await rms(`bandreject=f=${hz}:width_type=h:w=400`));
}

/** Mean luma difference between consecutive frames: how much the picture moves. */
async function frameToFrameMotion(file: string): Promise<number> {
  const stderr = await ffmpeg('-i', file, '-vf', 'tblend=all_mode=difference,signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-');
  const values = [...stderr.matchAll(/lavfi\.signalstats\.YAVG=([\d.]+)/g)].map((m) => Number(m[1]));
  expect(values.length).toBeGreaterThan(10);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe.each(KINDS)('media tools on %s', (kind) => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServer({ databaseUrl: database.url, env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
    team = await createTeam(server, 'Tools');
    dir = await tempDir('airstudio-tools-');
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scene detection finds the cuts of a video joined from three shots, with scores; members see its progress', async () => {
    const file = path.join(dir, 'shots.mp4');
    await writeShots(file);
    const asset = await uploaded(file);
    const watcher: Socket = io(server.url, { path: '/socket.io', auth: { token: team.owner.token }, transports: ['websocket'] });
    await new Promise<void>((resolve) => watcher.emit('project:join', team.projectId, () => resolve()));
    const seen: JobJson[] = [];
    watcher.on('job', (j: JobJson) => j.type === 'tool.scenes' && seen.push(j));

    const job = await runTool(asset, 'scenes');
    await waitFor(() => seen.some((j) => j.id === job.id && j.status === 'succeeded'), 'the succeeded event');
    watcher.close();
    // The worker's first report always goes out (later ones are throttled): members see what the running job does.
    expect(seen.some((j) => j.id === job.id && j.status === 'running' && j.progressMessage === 'Downloading the asset')).toBe(true);
    expect(job.result.assetId).toBeNull();
    const scenes = job.result.findings.scenes!;
    expect(scenes).toHaveLength(2);
    expect(Math.abs(scenes[0]!.time - 2)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(scenes[1]!.time - 4)).toBeLessThanOrEqual(0.2);
    for (const s of scenes) expect(s.score).toBeGreaterThan(10);
    // The owner's credits paid for the video's minutes at the scene-detection price, rounded up to a whole credit.
    const credits = (await api<ProjectCreditsJson>(server, 'GET', `/api/projects/${team.projectId}/credits`, { token: team.owner.token })).body;
    const price = credits.prices.find((p) => p.jobType === 'tool.scenes')!.creditsPerMinute;
    const charge = credits.entries.find((e) => e.jobId === job.id);
    expect(charge).toMatchObject({ kind: 'charge', jobType: 'tool.scenes', creditsPerMinute: price, amount: -Math.ceil((asset.duration! / 60) * price) });
    expect(charge!.contentMinutes).toBeCloseTo(asset.duration! / 60, 3);
  });

  it('silence removal reports the silence of tone–silence–tone and, on request, a new asset shorter by the cut', async () => {
    const file = path.join(dir, 'gap.wav');
    await ffmpeg(
      '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000:d=2',
      '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono:d=2',
      '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000:d=2',
      '-filter_complex', '[0][1][2]concat=n=3:v=0:a=1', '-c:a', 'pcm_s16le', file
    );
    const asset = await uploaded(file);

    const found = await runTool(asset, 'silence');
    expect(found.result.assetId).toBeNull();
    expect(found.result.findings.silences).toHaveLength(1);
    const [silence] = found.result.findings.silences!;
    expect(Math.abs(silence!.start - 2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(silence!.end - 4)).toBeLessThanOrEqual(0.05);

    const removed = await runTool(asset, 'silence', { remove: true, padding: 0.1 });
    const [cut] = removed.result.findings.cuts!;
    expect(Math.abs(cut!.start - 2.1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(cut!.end - 3.9)).toBeLessThanOrEqual(0.05);
    const made = await ready(removed.result.assetId!);
    expect(made).toMatchObject({ kind: 'audio', mime: 'audio/flac', status: 'approved' });
    expect(made.title).toContain('silence removed');
    const out = await download(made, 'gap-removed.flac');
    const duration = Number((await ffprobe(out)).format.duration);
    expect(Math.abs(duration - (6 - (cut!.end - cut!.start)))).toBeLessThanOrEqual(0.1);
    // The original is never changed.
    const source = (await api(server, 'GET', `/api/assets/${asset.id}`, { token: team.owner.token })).body as AssetJson;
    expect(source.sha256).toBe(asset.sha256);
  });

  it('audio cleanup raises the signal-to-noise ratio of a noisy tone and lands it at −16 LUFS', async () => {
    const file = path.join(dir, 'noisy.wav');
    await ffmpeg(
      '-f', 'lavfi', '-i', 'sine=f=1000:sample_rate=48000:d=6',
      '-f', 'lavfi', '-i', 'anoisesrc=color=white:sample_rate=48000:amplitude=0.05:d=6',
      '-filter_complex', '[0]volume=0.5[s];[s][1]amix=inputs=2:normalize=0', '-c:a', 'pcm_s16le', file
    );
    const asset = await uploaded(file);
    const job = await runTool(asset, 'cleanup');
    const made = await ready(job.result.assetId!);
    expect(made).toMatchObject({ kind: 'audio', mime: 'audio/flac' });
    expect(made.title).toContain('cleaned up');
    const out = await download(made, 'noisy-cleaned.flac');
    const before = await bandSnr(file, 1000);
    const after = await bandSnr(out, 1000);
    expect(after).toBeGreaterThan(before + 6);
    expect(Math.abs((await loudness(out)).integrated - -16)).toBeLessThanOrEqual(1.5);
  });

  it('audio cleanup finds 50 Hz mains hum by itself and notches it out', async () => {
    const file = path.join(dir, 'hum.wav');
    await ffmpeg(
      '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=48000:d=3',
      '-f', 'lavfi', '-i', 'sine=f=50:sample_rate=48000:d=3',
      '-filter_complex', '[1]volume=0.3[h];[0][h]amix=inputs=2:normalize=0', '-ac', '1', '-c:a', 'pcm_s16le', file
    );
    const asset = await uploaded(file);
    const job = await runTool(asset, 'cleanup');
    expect(job.result.report).toMatchObject({ tool: 'cleanup', hum: 50 });
    const out = await download(await ready(job.result.assetId!), 'hum-cleaned.flac');
    const band = async (f: string, hz: number) => {
      const stderr = await ffmpeg('-i', f, '-af', `bandpass=f=${hz}:width_type=q:w=30,astats=metadata=0`, '-f', 'null', '-');
      return Number([...stderr.matchAll(/RMS level dB: (-?[\d.]+)/g)].at(-1)![1]);
    };
    // Hum against the tone, before and after.
    const before = (await band(file, 50)) - (await band(file, 440));
    const after = (await band(out, 50)) - (await band(out, 440));
    expect(after).toBeLessThan(before - 20);
  });

  it('audio cleanup of a video keeps its picture as it was and replaces the sound', async () => {
    const file = path.join(dir, 'talk.mp4');
    await ffmpeg(
      '-f', 'lavfi', '-i', 'testsrc=s=320x240:r=25:d=3',
      '-f', 'lavfi', '-i', 'sine=f=700:sample_rate=48000:d=3',
      '-f', 'lavfi', '-i', 'anoisesrc=color=pink:sample_rate=48000:amplitude=0.05:d=3',
      '-filter_complex', '[1][2]amix=inputs=2:normalize=0[a]', '-map', '0:v', '-map', '[a]', ...h264, '-c:a', 'aac', file
    );
    const asset = await uploaded(file);
    const job = await runTool(asset, 'cleanup', { hum: 'off', level: false });
    const made = await ready(job.result.assetId!);
    expect(made).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 320, height: 240 });
    const probe = await ffprobe(await download(made, 'talk-cleaned.mp4'));
    const inProbe = await ffprobe(file);
    const frames = (p: typeof probe) => p.streams.find((s) => s.codec_type === 'video')!.nb_frames;
    expect(probe.streams.find((s) => s.codec_type === 'video')!.codec_name).toBe('h264');
    expect(frames(probe)).toBe(frames(inProbe));
    expect(probe.streams.find((s) => s.codec_type === 'audio')!.codec_name).toBe('aac');
  });

  it('stabilization reduces the frame-to-frame motion of a shaken clip', async () => {
    const still = path.join(dir, 'still.png');
    const file = path.join(dir, 'shaky.mp4');
    await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=800x600:rate=1', '-frames:v', '1', still);
    // A hand-held camera, made up: the frame window jitters over a still scene.
    await ffmpeg('-loop', '1', '-i', still, '-vf', "crop=640:480:x='80+30*sin(t*17)+20*sin(t*31)':y='60+25*sin(t*23)+15*sin(t*13)',format=yuv420p", '-r', '25', '-t', '4', ...h264, file);
    const asset = await uploaded(file);
    const job = await runTool(asset, 'stabilize');
    const made = await ready(job.result.assetId!);
    expect(made).toMatchObject({ kind: 'video', mime: 'video/mp4', width: 640, height: 480 });
    expect(made.title).toContain('stabilized');
    const out = await download(made, 'shaky-stabilized.mp4');
    expect(Math.abs(Number((await ffprobe(out)).format.duration) - 4)).toBeLessThanOrEqual(0.1);
    const shaken = await frameToFrameMotion(file);
    const steadied = await frameToFrameMotion(out);
    expect(steadied).toBeLessThan(shaken * 0.5);
  });

  it('refuses what a tool cannot do with a clear 4xx, and keeps serving', async () => {
    const tone = path.join(dir, 'tone.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'sine=f=523:sample_rate=48000:d=2', '-c:a', 'pcm_s16le', tone);
    const audio = await uploaded(tone);
    const post = (id: string, tool: string, opts: { token?: string; body?: unknown; raw?: string } = {}) =>
      api(server, 'POST', `/api/assets/${id}/tools/${tool}`, { token: team.editor.token, ...opts });

    expectApiError(await post(audio.id, 'stabilize'), 422, 'tool_not_applicable');
    expectApiError(await post(audio.id, 'scenes'), 422, 'tool_not_applicable');
    expectApiError(await post(audio.id, 'teleport'), 404, 'unknown_tool');
    expectApiError(await post(audio.id, '..%2F..%2Fetc'), 404, 'unknown_tool');
    expectApiError(await post(audio.id, 'silence', { body: { thresholdDb: 500 } }), 400, 'invalid_input');
    expectApiError(await post(audio.id, 'silence', { body: { remove: 'yes' } }), 400, 'invalid_input');
    expectApiError(await post(audio.id, 'cleanup', { body: { hum: '55' } }), 400, 'invalid_input');
    expectApiError(await post(audio.id, 'cleanup', { body: { script: 'rm -rf /' } }), 400, 'invalid_input');
    expectApiError(await post(audio.id, 'cleanup', { body: [1, 2] }), 400, 'invalid_input');
    expectApiError(await post(audio.id, 'cleanup', { raw: '{"denoise": ' }), 400, 'invalid_json');
    expectApiError(await post(audio.id, 'cleanup', { token: team.viewer.token }), 403, 'forbidden');
    expectApiError(await post(audio.id, 'cleanup', { token: team.outsider.token }), 404, 'not_found');
    expectApiError(await post('no-such-asset', 'cleanup'), 404, 'not_found');
    expectApiError(await api(server, 'POST', `/api/assets/${audio.id}/tools/cleanup`, { body: {} }), 401);

    // An asset still waiting for processing: both worker slots are kept busy, so its processing job stays queued.
    const sleeps = await Promise.all(
      [1, 2].map(async () => (await api(server, 'POST', `/api/projects/${team.projectId}/jobs`, { token: team.editor.token, body: { type: 'system.sleep', input: { ms: 60_000 }, priority: 50 } })).body as JobJson)
    );
    await waitFor(async () => {
      const states = await Promise.all(sleeps.map(async (j) => (await api(server, 'GET', `/api/jobs/${j.id}`, { token: team.owner.token })).body.status));
      return states.every((s) => s === 'running');
    }, 'both worker slots busy', 30_000);
    const waiting = path.join(dir, 'waiting.wav');
    await ffmpeg('-f', 'lavfi', '-i', 'sine=f=660:sample_rate=48000:d=1', '-c:a', 'pcm_s16le', waiting);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(waiting))]), 'waiting.wav');
    const unprocessed = (await (await fetch(`${server.url}/api/projects/${team.projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${team.editor.token}` }, body: form })).json()) as AssetJson;
    expect(unprocessed.processing.state).toBe('queued');
    expectApiError(await post(unprocessed.id, 'cleanup'), 409, 'asset_not_processed');
    for (const j of sleeps) await api(server, 'POST', `/api/jobs/${j.id}/cancel`, { token: team.editor.token });
    await ready(unprocessed.id);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBeLessThan(500);
  });
});
