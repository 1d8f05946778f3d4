import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NowPlayingView } from '$lib/live';
import type { TakeoverStatus } from '$lib/takeover';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, tempDir } from '../helpers/media';
import { startLiveChannel } from '../helpers/live-channel';
import { freePort, startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

// Live takeover through the whole system: the web process runs Debian's nginx-rtmp as its ingest, the local worker
// airs the channel, ffmpeg publishes as OBS would; webhooks go to a receiver in this process.
const PLAYLIST_TONES = [300, 400, 500];
const LIVE_TONE = 1700;

let server: RunningServer;
let team: Team;
let dir: string;
let rtmpPort = 0;
/** The channel the first test puts on air (the Web DJ test reuses it). */
let onAir: { id: string; slug: string; name: string } | undefined;
let receiver: http.Server;
let base = '';
const received: { event: string; at: number; body: { data: Record<string, unknown>; channel: { id: string } } }[] = [];
const procs: ChildProcess[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-airstudio-event']), at: Date.now(), body: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  dir = await tempDir('airstudio-takeover-');
  rtmpPort = await freePort();
  server = await startServer({
    env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', INGEST_RTMP_PORT: String(rtmpPort), INGEST_RTMP_HOST: '127.0.0.1', WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_BACKOFF_BASE_MS: '50' }
  });
  team = await createTeam(server, 'Takeover');
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await server?.destroy();
  await new Promise((r) => receiver?.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** ffmpeg publishing a steady tone to the ingest in real time, as OBS would (AAC in FLV over RTMP). */
function publish(key: string, seconds = 120): { proc: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const proc = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `sine=frequency=${LIVE_TONE}:sample_rate=48000:duration=${seconds}`, '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${key}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  return { proc, exited: new Promise((r) => proc.once('exit', (code) => r(code))), output: () => out };
}

const nowPlaying = async (slug: string) => (await api(server, 'GET', `/api/channels/by-slug/${slug}/now-playing`)).body as NowPlayingView;
const takeoverOf = async (channelId: string, token = team.viewer.token) => (await api(server, 'GET', `/api/channels/${channelId}/takeover`, { token })).body as TakeoverStatus;

/** The newest `n` HLS segments (fetched now), joined into one file. */
async function latestSegments(slug: string, n: number, name: string): Promise<string> {
  const list = await (await fetch(`${server.url}/live/${slug}/index.m3u8`)).text();
  const segs = list.split('\n').filter((l) => l.trim().endsWith('.ts')).slice(-n);
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat(await Promise.all(segs.map(async (s) => Buffer.from(await (await fetch(`${server.url}/live/${slug}/${s.trim()}`)).arrayBuffer())))));
  return file;
}

/** Level (dB, relative) of each pitch in `file`: ffmpeg decodes it to mono PCM, a Goertzel filter measures each frequency. */
async function toneLevels(file: string, freqs: number[]): Promise<number[]> {
  const pcmFile = `${file}.f32`;
  await ffmpeg('-i', file, '-ac', '1', '-ar', '48000', '-f', 'f32le', pcmFile);
  const buf = fs.readFileSync(pcmFile);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return freqs.map((f) => {
    const k = 2 * Math.cos((2 * Math.PI * f) / 48000);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      const s0 = x[i] + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
    return 10 * Math.log10(power + 1e-20);
  });
}

/** Waits for HLS segments made entirely after now: the newest listed segment number must pass the current one by `ahead`. */
async function segmentsAfterNow(slug: string, ahead: number): Promise<void> {
  const newest = async () => Math.max(...(await (await fetch(`${server.url}/live/${slug}/index.m3u8`)).text()).split('\n').filter((l) => l.trim().endsWith('.ts')).map((l) => Number(/\d+/.exec(l)?.[0] ?? 0)));
  const from = await newest();
  await waitFor(async () => (await newest()) >= from + ahead, `${ahead} new HLS segments`, 30_000);
}

describe('live takeover', () => {
  it('an RTMP publisher with the stream key takes the air, a wrong key is refused, and AutoDJ resumes where the plan is', async () => {
    const channel = await startLiveChannel(server, team, dir, { name: 'Takeover FM', tones: PLAYLIST_TONES, seconds: 7 });
    onAir = { ...channel, name: 'Takeover FM' };
    const hooks = await api(server, 'POST', `/api/projects/${team.projectId}/webhooks`, { token: team.owner.token, body: { url: `${base}/hooks`, events: ['live.connected', 'live.disconnected', 'song.changed'], channelId: channel.id } });
    expect(hooks.status).toBe(201);

    await waitFor(async () => (await takeoverOf(channel.id)).available, 'the ingest is up', 15_000);
    const status = await takeoverOf(channel.id);
    expect(status).toMatchObject({ channelId: channel.id, available: true, message: null, port: rtmpPort, app: 'live', source: null });

    // A wrong key: nginx asks the web process, which refuses; the publisher fails and the air stays AutoDJ.
    const wrong = publish(`${channel.id}.not-the-secret-key-0000000000000`, 5);
    expect(await wrong.exited).not.toBe(0);
    expect((await nowPlaying(channel.slug)).now?.kind).toBe('track');
    expect((await takeoverOf(channel.id)).source).toBeNull();

    const rotated = await api(server, 'POST', `/api/channels/${channel.id}/stream-key`, { token: team.editor.token });
    expect(rotated.status).toBe(200);
    const key = rotated.body.streamKey as string;

    const started = Date.now();
    const obs = publish(key);
    await waitFor(async () => (await nowPlaying(channel.slug)).now?.kind === 'live', 'now playing shows the live source', 20_000);
    const onAirAt = Date.now();
    console.log(`takeover: publish to now-playing live in ${onAirAt - started} ms`);
    const live = await nowPlaying(channel.slug);
    expect(live.now).toMatchObject({ kind: 'live', title: 'Live: Takeover FM', assetId: null });
    expect(await takeoverOf(channel.id)).toMatchObject({ source: { kind: 'rtmp', djName: 'Takeover FM', onAir: true } });

    // Another source cannot take the air while this one has it: the Web DJ is told why.
    const dj = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.editor.token } });
    sockets.push(dj);
    const taken = await dj.timeout(5000).emitWithAck('webdj:start', { channelId: channel.id });
    expect(taken).toMatchObject({ ok: false, error: { code: 'air_taken' } });
    expect(taken.error.message).toMatch(/already has the air/);

    // The air carries the live pitch, not the playlist's.
    await segmentsAfterNow(channel.slug, 3);
    const liveAir = await latestSegments(channel.slug, 2, 'live.ts');
    const [liveBand, ...playlistBands] = await toneLevels(liveAir, [LIVE_TONE, ...PLAYLIST_TONES]);
    const playlistBand = Math.max(...playlistBands);
    console.log(`takeover: on air, ${LIVE_TONE} Hz ${liveBand.toFixed(1)} dB, loudest playlist pitch ${playlistBand.toFixed(1)} dB`);
    expect(liveBand).toBeGreaterThan(playlistBand + 20);

    // The publisher stops: AutoDJ comes back with the item the plan has for this moment (mid-item, not from the top).
    await new Promise((r) => setTimeout(r, 3000));
    const droppedAt = Date.now();
    obs.proc.kill('SIGTERM');
    await obs.exited;
    await waitFor(async () => (await nowPlaying(channel.slug)).now?.kind === 'track', 'AutoDJ back on now playing', 20_000);
    const backAt = Date.now();
    const back = (await nowPlaying(channel.slug)).now!;
    console.log(`takeover: publisher stopped to AutoDJ on now playing in ${backAt - droppedAt} ms`);
    // An item of the plan as it stood while the source had the air, at its planned start (not restarted from its top),
    // sounding at the moment AutoDJ came back.
    const planned = live.next.find((n) => n.startedAt === back.startedAt);
    expect(planned).toBeDefined();
    expect(back).toMatchObject({ title: planned!.title, assetId: planned!.assetId });
    expect(back.startedAt).toBeGreaterThan(live.now!.startedAt);
    expect(back.startedAt).toBeLessThan(backAt);
    expect(back.startedAt + back.duration * 1000).toBeGreaterThan(droppedAt);
    expect(await takeoverOf(channel.id)).toMatchObject({ source: null });

    // The play log has the takeover, ended, and none of the planned items it covered whole.
    await waitFor(async () => ((await api(server, 'GET', `/api/channels/${channel.id}/plays`, { token: team.viewer.token })).body.plays as { kind: string; endedAt: number | null }[]).some((p) => p.kind === 'live' && p.endedAt), 'the takeover ended in the play log');
    const plays = (await api(server, 'GET', `/api/channels/${channel.id}/plays`, { token: team.viewer.token })).body.plays as { kind: string; title: string; assetId: string | null; startedAt: number; endedAt: number | null }[];
    const liveRow = plays.find((p) => p.kind === 'live')!;
    expect(liveRow).toMatchObject({ title: 'Live: Takeover FM', assetId: null });
    expect(liveRow.endedAt!).toBeGreaterThan(liveRow.startedAt);
    expect(plays.filter((p) => p.kind !== 'live' && p.startedAt > liveRow.startedAt && p.endedAt! < droppedAt)).toEqual([]);

    // The segment being encoded now may still hold the fade: the two after it are all AutoDJ.
    await segmentsAfterNow(channel.slug, 3);
    const autoAir = await latestSegments(channel.slug, 2, 'auto.ts');
    const [autoLive, ...autoBands] = await toneLevels(autoAir, [LIVE_TONE, ...PLAYLIST_TONES]);
    const autoPlaylist = Math.max(...autoBands);
    console.log(`takeover: AutoDJ back, ${LIVE_TONE} Hz ${autoLive.toFixed(1)} dB, loudest playlist pitch ${autoPlaylist.toFixed(1)} dB`);
    expect(autoPlaylist).toBeGreaterThan(autoLive + 20);

    // Webhooks: connected and disconnected, with the source; no song.changed for items the live source covered.
    await waitFor(() => received.some((r) => r.event === 'live.disconnected'), 'live.disconnected delivered', 15_000);
    const connected = received.filter((r) => r.event === 'live.connected');
    expect(connected).toHaveLength(1);
    expect(connected[0].body).toMatchObject({ channel: { id: channel.id }, data: { source: 'rtmp', djName: 'Takeover FM' } });
    expect(received.filter((r) => r.event === 'live.disconnected')[0].body).toMatchObject({ data: { source: 'rtmp', djName: 'Takeover FM' } });
    const songsDuringLive = received.filter((r) => r.event === 'song.changed' && r.at > onAirAt + 1500 && r.at < droppedAt);
    expect(songsDuringLive).toEqual([]);
    expect(received.some((r) => r.event === 'song.changed' && r.at > droppedAt)).toBe(true);
  }, 240_000);

  it('the Web DJ bridge goes live from WebM/Opus chunks, and garbage gets a clear error while the server keeps serving', async () => {
    const channel = onAir!;

    const dj = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.editor.token } });
    sockets.push(dj);
    const ended: { error: boolean; code: string; message: string }[] = [];
    dj.on('webdj:ended', (e) => ended.push(e));
    await new Promise<void>((r) => dj.once('connect', () => r()));

    // Audio before Go live, a malformed start, a viewer: each a clear refusal.
    dj.emit('webdj:chunk', Buffer.from('hello'));
    await waitFor(() => ended.some((e) => e.code === 'not_live'), 'not_live');
    expect((await dj.timeout(5000).emitWithAck('webdj:start', { nope: 1 })).error.code).toBe('bad_request');
    const viewer = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.viewer.token } });
    sockets.push(viewer);
    expect((await viewer.timeout(5000).emitWithAck('webdj:start', { channelId: channel.id })).error.code).toBe('forbidden');

    // Garbage bytes as audio: ffmpeg cannot read them; the session ends with a message and the server goes on.
    expect(await dj.timeout(5000).emitWithAck('webdj:start', { channelId: channel.id })).toEqual({ ok: true });
    for (let i = 0; i < 20; i++) dj.emit('webdj:chunk', Buffer.alloc(4096, i * 7 + 1));
    await waitFor(() => ended.some((e) => e.error && e.code === 'bad_audio'), 'the garbage refused', 15_000);
    expect(ended.find((e) => e.code === 'bad_audio')!.message).toMatch(/could not be read/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await dj.timeout(5000).emitWithAck('webdj:start', { channelId: channel.id })).ok).toBe(true);
    dj.emit('webdj:chunk', 'not binary' as unknown as ArrayBuffer);
    await waitFor(() => ended.some((e) => e.code === 'bad_chunk'), 'bad_chunk');

    // Real WebM/Opus (what MediaRecorder makes), sent in 250 ms pieces at real-time pace.
    const webm = path.join(dir, 'mic.webm');
    await ffmpeg('-f', 'lavfi', '-i', `sine=frequency=${LIVE_TONE}:sample_rate=48000:duration=40`, '-c:a', 'libopus', '-b:a', '64k', '-f', 'webm', webm);
    const bytes = fs.readFileSync(webm);
    expect(await dj.timeout(5000).emitWithAck('webdj:start', { channelId: channel.id })).toEqual({ ok: true });
    const piece = Math.ceil(bytes.length / 160);
    let sent = 0;
    const feeder = setInterval(() => {
      if (sent >= bytes.length) return clearInterval(feeder);
      dj.emit('webdj:chunk', bytes.subarray(sent, sent + piece));
      sent += piece;
    }, 250);
    try {
      await waitFor(async () => (await nowPlaying(channel.slug)).now?.kind === 'live', 'the Web DJ on air', 25_000);
      expect((await nowPlaying(channel.slug)).now?.title).toBe(`Live: ${team.editor.username}`);
      expect(await takeoverOf(channel.id)).toMatchObject({ source: { kind: 'webdj', djName: team.editor.username } });
      await waitFor(() => received.some((r) => r.event === 'live.connected' && r.body.data.source === 'webdj'), 'live.connected for the Web DJ', 15_000);
    } finally {
      clearInterval(feeder);
    }
    dj.emit('webdj:stop');
    await waitFor(() => ended.some((e) => !e.error && e.code === 'ended'), 'the Web DJ ended');
    await waitFor(async () => (await nowPlaying(channel.slug)).now?.kind === 'track', 'AutoDJ back after the Web DJ', 20_000);
    await waitFor(() => received.some((r) => r.event === 'live.disconnected' && r.body.data.source === 'webdj'), 'live.disconnected for the Web DJ', 15_000);
  }, 180_000);

  it('says what is missing when takeover is off, and refuses a channel that is not on air', async () => {
    const off = await startServer({ env: { INGEST_RTMP_PORT: '0' } });
    try {
      const t = await createTeam(off, 'No ingest');
      const created = await api(off, 'POST', `/api/projects/${t.projectId}/channels`, { token: t.editor.token, body: { name: 'Quiet FM' } });
      const status = (await api(off, 'GET', `/api/channels/${created.body.id}/takeover`, { token: t.viewer.token })).body as TakeoverStatus;
      expect(status).toMatchObject({ available: false, port: null, source: null });
      expect(status.message).toMatch(/INGEST_RTMP_PORT/);
      const dj = ioClient(off.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: t.editor.token } });
      sockets.push(dj);
      const r = await dj.timeout(5000).emitWithAck('webdj:start', { channelId: created.body.id });
      expect(r).toMatchObject({ ok: false, error: { code: 'ingest_unavailable' } });
      expectApiError(await api(off, 'GET', `/api/channels/${created.body.id}/takeover`, { token: t.outsider.token }), 404, 'not_found');
    } finally {
      await off.destroy();
    }

    // On the server with the ingest: a channel that is not on air cannot be taken over.
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Off Air FM' } });
    const dj = ioClient(server.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: team.editor.token } });
    sockets.push(dj);
    const r = await dj.timeout(5000).emitWithAck('webdj:start', { channelId: created.body.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_on_air' } });
    const refused = publish(created.body.streamKey as string, 5);
    expect(await refused.exited).not.toBe(0);
  }, 60_000);
});
