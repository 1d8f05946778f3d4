import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { keysBetween } from '$lib/editor/model/order';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import { newTrack } from '$lib/editor/model/timeline/track';
import { newTransition } from '$lib/editor/model/timeline/transition';
import type { AssetJson } from '$lib/asset';
import type { JobJson } from '$lib/job';
import type { RenderInput } from '$lib/server/render/render.service';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, ffprobe, h264, loudness, picture, sine, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { runTool } from '../helpers/studio';
import { connectClient, waitFor, type YClient } from '../helpers/yclient';

const run = promisify(execFile);

// A render through the whole system: uploads, the timeline edited over y-websocket, POST /renders, a real worker.
let server: RunningServer;
let team: Team;
let dir: string;
const clients: YClient[] = [];
/** The first test's render (with its HLS ladder), for the tests that serve it. */
let renderAsset: AssetJson;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
  team = await createTeam(server, 'Cut');
  dir = await tempDir('airstudio-render-api-');
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function upload(file: string, token = team.editor.token, projectId = team.projectId): Promise<AssetJson> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
  const r = await fetch(`${server.url}/api/projects/${projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(r.status).toBe(201);
  return (await r.json()) as AssetJson;
}
async function ready(id: string): Promise<AssetJson> {
  let a: AssetJson | undefined;
  await waitFor(async () => (a = (await api(server, 'GET', `/api/assets/${id}`, { token: team.owner.token })).body).processing.state === 'ready', `asset ${id} processed`, 60_000);
  return a!;
}

/** Waits until the server's copy of the document has `clips` clips, seen through a second client. */
async function serverHas(clips: number): Promise<void> {
  const observer = connectClient(server.wsUrl, team.projectId, team.owner.token);
  try {
    await observer.synced;
    await waitFor(() => new ProjectDoc(observer.doc).timeline.snapshot().clips.length === clips, `the server has ${clips} clips`);
  } finally {
    observer.destroy();
  }
}

describe('renders', () => {
  it('renders the co-edited timeline on a worker; members see progress; the cut lands in the library', async () => {
    const clipA = path.join(dir, 'a.mp4');
    const clipB = path.join(dir, 'b.mp4');
    const music = path.join(dir, 'music.mp3');
    await ffmpeg(...picture(4, '320x240'), ...sine(4, 440), '-shortest', ...h264, '-c:a', 'aac', clipA);
    await ffmpeg(...picture(4, '320x240'), ...sine(4, 660), '-shortest', ...h264, '-c:a', 'aac', clipB);
    await ffmpeg(...sine(8, 220), music);
    const [a, b, m] = await Promise.all([upload(clipA), upload(clipB), upload(music)]);
    await Promise.all([a, b, m].map((x) => ready(x.id)));

    // The editor builds the cut in the shared document, as the studio would.
    const editor = connectClient(server.wsUrl, team.projectId, team.editor.token);
    clients.push(editor);
    await editor.synced;
    const [o1, o2, o3] = keysBetween(null, null, 3);
    const timeline = new ProjectDoc(editor.doc);
    timeline.transact(userOrigin(team.editor.id), (pd) =>
      pd.timeline.apply([
        { op: 'update', kind: 'settings', patch: { width: 640, height: 360, fps: 25 } },
        { op: 'insert', kind: 'track', record: newTrack({ id: 'a1', kind: 'audio', name: 'Music', order: o1 }) },
        { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o2 }) },
        { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'Titles', order: o3 }) },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'c1', trackId: 'v1', assetId: a.id, start: 0, in: 0, out: 3 }) },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'c2', trackId: 'v1', assetId: b.id, start: 3, in: 1, out: 4 }) },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'm1', trackId: 'a1', assetId: m.id, start: 0, in: 0, out: 6 }) },
        { op: 'insert', kind: 'clip', record: newTitleClip({ id: 'tt', trackId: 't1', start: 1, duration: 2, text: 'Morning show' }) },
        { op: 'insert', kind: 'transition', record: newTransition({ id: 'x1', fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 1 }) }
      ])
    );
    expect(timeline.timeline.snapshot().clips).toHaveLength(4);
    await serverHas(4);
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.viewer.token, body: {} }), 403);

    const watcher: Socket = io(server.url, { path: '/socket.io', auth: { token: team.owner.token }, transports: ['websocket'] });
    await new Promise<void>((resolve) => watcher.emit('project:join', team.projectId, () => resolve()));
    const seen: JobJson[] = [];
    watcher.on('job', (j: JobJson) => j.type === 'timeline.render' && seen.push(j));

    const started = await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.editor.token, body: { preset: 'mp4-480p', hls: true } });
    expect(started.status).toBe(201);
    const job = started.body as JobJson;
    expect(job.type).toBe('timeline.render');
    let done: JobJson | undefined;
    await waitFor(async () => ['succeeded', 'failed'].includes((done = (await api(server, 'GET', `/api/jobs/${job.id}`, { token: team.owner.token })).body).status), 'render finishes', 120_000);
    expect(done!.error).toBeNull();
    expect(done!.status).toBe('succeeded');
    expect(seen.some((j) => j.id === job.id && j.status === 'running' && j.progress > 0 && j.progress < 1)).toBe(true);
    watcher.close();

    const assetId = (done!.result as { assetId: string }).assetId;
    const rendered = await ready(assetId);
    expect(rendered).toMatchObject({ kind: 'video', status: 'approved', render: { jobId: job.id } });
    expect(rendered.render!.docVersion.length).toBeGreaterThan(4);
    // 3 s + 3 s joined by a centred 1 s transition: 6 s; 480p of a 16:9 cut is 854×480.
    const out = path.join(dir, 'render.mp4');
    fs.writeFileSync(out, Buffer.from(await (await fetch(`${server.url}${rendered.url}`)).arrayBuffer()));
    const probe = await ffprobe(out);
    expect(Math.abs(Number(probe.format.duration) - 6)).toBeLessThanOrEqual(0.05);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 854, height: 480 });
    expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
    expect(Math.abs((await loudness(out)).integrated - -14)).toBeLessThanOrEqual(1);
    renderAsset = rendered;
  }, 240_000);

  it('renders a still image on the timeline as picture for as long as its clip lasts', async () => {
    const stills = await createTeam(server, 'Stills');
    const png = path.join(dir, 'red.png');
    await ffmpeg('-f', 'lavfi', '-i', 'color=c=red:s=320x240', '-frames:v', '1', png);
    const image = await upload(png, stills.editor.token, stills.projectId);
    await waitFor(async () => (await api(server, 'GET', `/api/assets/${image.id}`, { token: stills.owner.token })).body.processing.state === 'ready', 'image processed', 60_000);
    const editor = connectClient(server.wsUrl, stills.projectId, stills.editor.token);
    clients.push(editor);
    await editor.synced;
    new ProjectDoc(editor.doc).transact(userOrigin(stills.editor.id), (pd) =>
      pd.timeline.apply([
        { op: 'update', kind: 'settings', patch: { width: 640, height: 360, fps: 25 } },
        { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: keysBetween(null, null, 1)[0] }) },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'p1', trackId: 'v1', assetId: image.id, start: 0, in: 0, out: 2 }) }
      ])
    );
    const observer = connectClient(server.wsUrl, stills.projectId, stills.owner.token);
    clients.push(observer);
    await observer.synced;
    await waitFor(() => new ProjectDoc(observer.doc).timeline.snapshot().clips.length === 1, 'the server has the still');

    const started = await api(server, 'POST', `/api/projects/${stills.projectId}/renders`, { token: stills.editor.token, body: { preset: 'mp4-480p' } });
    expect(started.status).toBe(201);
    let done: JobJson | undefined;
    await waitFor(async () => ['succeeded', 'failed'].includes((done = (await api(server, 'GET', `/api/jobs/${started.body.id}`, { token: stills.owner.token })).body).status), 'render finishes', 120_000);
    expect(done!.error).toBeNull();
    const rendered = (await api(server, 'GET', `/api/assets/${(done!.result as { assetId: string }).assetId}`, { token: stills.owner.token })).body as AssetJson;
    const out = path.join(dir, 'still.mp4');
    fs.writeFileSync(out, Buffer.from(await (await fetch(`${server.url}${rendered.url}`)).arrayBuffer()));
    expect(Math.abs(Number((await ffprobe(out)).format.duration) - 2)).toBeLessThanOrEqual(0.05);
    // The middle of the frame at 1 s is the picture (red), not the black canvas.
    const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', '1', '-i', out, '-frames:v', '1', '-vf', 'crop=2:2,scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer' });
    const [r, g, b] = stdout as unknown as Buffer;
    expect(r).toBeGreaterThan(200);
    expect(g + b).toBeLessThan(80);
  }, 240_000);

  it('a track ducked under speech renders by the voice media’s newest speech detection, by level before there is one', async () => {
    const speech = await createTeam(server, 'Speech');
    const voiceFile = path.join(dir, 'voice.wav');
    const toneFile = path.join(dir, 'bed.flac');
    await run('espeak-ng', ['-m', '-w', voiceFile, '<speak>Hello there.<break time="1500ms"/>Goodbye now.</speak>']);
    await ffmpeg(...sine(5, 220), toneFile);
    const [voice, bed] = await Promise.all([voiceFile, toneFile].map((f) => upload(f, speech.editor.token, speech.projectId)));
    await Promise.all([voice!, bed!].map((x) => waitFor(async () => (await api(server, 'GET', `/api/assets/${x.id}`, { token: speech.owner.token })).body.processing.state === 'ready', 'processed', 60_000)));
    const editor = connectClient(server.wsUrl, speech.projectId, speech.editor.token);
    clients.push(editor);
    await editor.synced;
    const [o1, o2] = keysBetween(null, null, 2);
    new ProjectDoc(editor.doc).transact(userOrigin(speech.editor.id), (pd) =>
      pd.timeline.apply([
        { op: 'update', kind: 'settings', patch: { width: 320, height: 180, fps: 25 } },
        { op: 'insert', kind: 'track', record: newTrack({ id: 'vo', kind: 'audio', name: 'Voice', order: o1 }) },
        { op: 'insert', kind: 'track', record: { ...newTrack({ id: 'bed', kind: 'audio', name: 'Bed', order: o2 }), ducking: { byTrackId: 'vo', amountDb: 12, mode: 'speech', attack: 0.1, release: 0.3 } } },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'cv', trackId: 'vo', assetId: voice!.id, start: 0.5, in: 0, out: 3.5 }) },
        { op: 'insert', kind: 'clip', record: newClip({ id: 'cb', trackId: 'bed', assetId: bed!.id, start: 0, in: 0, out: 4.5 }) }
      ])
    );
    const observer = connectClient(server.wsUrl, speech.projectId, speech.owner.token);
    clients.push(observer);
    await observer.synced;
    await waitFor(() => new ProjectDoc(observer.doc).timeline.snapshot().tracks.some((t) => t.ducking?.mode === 'speech'), 'the server has the ducking');
    const render = async () => {
      const started = await api<JobJson>(server, 'POST', `/api/projects/${speech.projectId}/renders`, { token: speech.editor.token, body: { preset: 'mp4-480p' } });
      expect(started.status).toBe(201);
      let done: JobJson | undefined;
      await waitFor(async () => ['succeeded', 'failed'].includes((done = (await api(server, 'GET', `/api/jobs/${started.body.id}`, { token: speech.owner.token })).body).status), 'render finishes', 120_000);
      expect(done!.error).toBeNull();
      return (done!.input as RenderInput).assets;
    };

    // No detection yet: the worker is told so (it then ducks by level); the bed's own media is not asked about.
    const before = await render();
    expect(before[voice!.id]!.speech).toBeNull();
    expect(before[bed!.id]!.speech).toBeUndefined();
    const detected = await runTool(server, speech, voice!, 'speech');
    expect(detected.result.findings.speech).toHaveLength(2);
    expect((await render())[voice!.id]!.speech).toEqual(detected.result.findings.speech);
  }, 240_000);

  it('serves the HLS ladder to members and signed players, each playlist pointing at signed files; outsiders are refused', async () => {
    const id = renderAsset.id;
    const master = renderAsset.variants.find((v) => v.name === 'hls.m3u8')!;
    expect(master).toMatchObject({ mime: 'application/vnd.apple.mpegurl' });
    expect(renderAsset.variants.map((v) => v.name)).toEqual(expect.arrayContaining(['hls-1080p.m3u8', 'hls-1080p.mp4', 'hls-720p.m3u8', 'hls-720p.mp4', 'hls-480p.m3u8', 'hls-480p.mp4']));
    // Processing the render (proxy, poster…) kept the ladder.
    expect(renderAsset.variants.map((v) => v.name)).toEqual(expect.arrayContaining(['proxy', 'poster']));

    // A member with a token: the master names the renditions by signed URLs.
    const asMember = await fetch(`${server.url}/api/assets/${id}/variants/hls.m3u8`, { headers: { authorization: `Bearer ${team.viewer.token}` } });
    expect(asMember.status).toBe(200);
    expect(asMember.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const text = await asMember.text();
    const renditions = [...text.matchAll(/#EXT-X-STREAM-INF:[^\n]*RESOLUTION=(\d+x\d+)[^\n]*\n([^\n]+)/g)].map((m) => ({ resolution: m[1], uri: m[2]! }));
    expect(renditions.map((r) => r.resolution)).toEqual(['1920x1080', '1280x720', '854x480']);
    for (const r of renditions) expect(r.uri).toMatch(new RegExp(`^/api/assets/${id}/variants/hls-\\d+p\\.m3u8\\?exp=\\d+&sig=[\\w-]+$`));

    // A player with only the signed URL follows it all the way: ffmpeg's HLS reader fetches each rendition's byte ranges.
    for (const r of renditions) {
      const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', `${server.url}${r.uri}`]);
      const stream = JSON.parse(stdout).streams[0];
      expect(`${stream.width}x${stream.height}`).toBe(r.resolution);
      expect(Number(stream.nb_read_frames)).toBe(6 * 25);
    }
    const rendition = await (await fetch(`${server.url}${renditions[1]!.uri}`)).text();
    const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/.exec(rendition)!;
    const init = await fetch(`${server.url}${map[1]}`, { headers: { range: `bytes=0-${Number(map[2]) - 1}` } });
    expect(init.status).toBe(206);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    expect((await init.arrayBuffer()).byteLength).toBe(Number(map[2]));
    const whole = await ffprobe(`${server.url}${master.url}`);
    expect(Math.abs(Number(whole.format.duration) - 6)).toBeLessThanOrEqual(0.04);

    // Outside the project: no playlist, whatever the way in.
    expectApiError(await api(server, 'GET', `/api/assets/${id}/variants/hls.m3u8`, { token: team.outsider.token }), 404);
    expectApiError(await api(server, 'GET', `/api/assets/${id}/variants/hls-720p.m3u8`), 401);
    expectApiError(await api(server, 'GET', `/api/assets/${id}/variants/hls.m3u8?exp=9999999999&sig=forged`), 403, 'bad_signature');
  }, 120_000);

  it('refuses a render of an empty timeline, with media waiting for approval, or with a bad preset', async () => {
    const other = (await api(server, 'POST', '/api/projects', { token: team.owner.token, body: { name: 'Empty' } })).body.id as string;
    expectApiError(await api(server, 'POST', `/api/projects/${other}/renders`, { token: team.owner.token, body: {} }), 400, 'empty_timeline');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.editor.token, body: { preset: 'mp4-8k' } }), 400, 'invalid_input');
    expectApiError(await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.outsider.token, body: {} }), 404);
    const bad = async (body: unknown, code: string, message: RegExp) => {
      const r = await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.editor.token, body });
      expectApiError(r, 400, code);
      expect(r.body.error.message).toMatch(message);
    };
    await bad({ preset: 'hls-4k' }, 'invalid_input', /preset must be one of mp4-1080p, mp4-720p, mp4-480p/);
    await bad({ range: { start: 3, end: 2 } }, 'invalid_input', /range\.end must be after range\.start/);
    await bad({ range: { start: 2, end: 2 } }, 'invalid_input', /range\.end must be after range\.start/);
    await bad({ range: { start: -1, end: 2 } }, 'invalid_input', /range\.start must be 0 or more/);
    // The cut is 6 s long.
    await bad({ range: { start: 7, end: 8 } }, 'range_out_of_bounds', /range\.start is past the end of the cut \(6 s\)/);
    await bad({ range: { start: 1, end: 9 } }, 'range_out_of_bounds', /range\.end is past the end of the cut \(6 s\)/);
    await bad({ hls: 'yes' }, 'invalid_input', /hls must be true or false/);
    await bad({ publish: true }, 'invalid_input', /publish/);

    // A viewer's pending upload on the timeline blocks the render until someone approves it.
    await api(server, 'PATCH', `/api/projects/${team.projectId}`, { token: team.owner.token, body: { viewerUploads: true } });
    const clip = path.join(dir, 'pending.mp4');
    await ffmpeg(...picture(2, '320x240'), ...h264, clip);
    const pending = await upload(clip, team.viewer.token);
    expect(pending.status).toBe('pending');
    const editor = clients[0];
    const pd = new ProjectDoc(editor.doc);
    pd.transact(userOrigin(team.editor.id), (d) => d.timeline.apply([{ op: 'insert', kind: 'clip', record: newClip({ id: 'p1', trackId: 'v1', assetId: pending.id, start: 10, in: 0, out: 1 }) }]));
    await serverHas(5);
    const r = await api(server, 'POST', `/api/projects/${team.projectId}/renders`, { token: team.editor.token, body: {} });
    expectApiError(r, 409);
    expect(['unapproved_assets', 'assets_processing']).toContain(r.body.error.code);
    expect(r.body.error.message).toMatch(/pending|approve|processed/i);
  });
});
