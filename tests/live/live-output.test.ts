import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { LiveStatus, NowPlayingView } from '$lib/live';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, tempDir } from '../helpers/media';
import { airAsRotation, uploadTones } from '../helpers/live-channel';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

const run = promisify(execFile);

// The station on air through the whole system: uploads processed by a real worker, the rotation co-edited over
// y-websocket, POST /live starting a `channel.live` job on the local worker, HLS served by the web process.
let server: RunningServer;
let team: Team;
let dir: string;
let listener: Socket | undefined;

beforeAll(async () => {
  // Short leases: a killed worker's live job is back on air within seconds.
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', JOB_LEASE_SECONDS: '4', JOB_BACKOFF_BASE_MS: '200' } });
  team = await createTeam(server, 'Station');
  dir = await tempDir('airstudio-live-');
});
afterAll(async () => {
  listener?.close();
  await server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mediaSequence = (playlist: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the live output', () => {
  it('airs the rotation as continuous, crossfaded HLS with now playing; stopping ends the job', async () => {
    // Three 7 s tones of different pitch, processed into broadcast copies.
    const assets = await uploadTones(server, team, dir, [330, 440, 550], 7);
    expect(assets.every((a) => a.status === 'approved' && a.variants.some((v) => v.name === 'broadcast'))).toBe(true);

    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Tone FM', crossfadeSeconds: 1, visibility: 'public' } });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string; slug: string };

    // The rotation: one sequential playlist of the three, edited in the shared document as the studio would.
    await airAsRotation(server, team, assets, 'Tones');

    // A guest on the stream page's chat hears of each item as it starts.
    const heard: (NowPlayingView & { channelId: string; at: number })[] = [];
    listener = ioClient(`${server.url}/chat`, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    listener.on('channel:now-playing', (e: NowPlayingView & { channelId: string }) => heard.push({ ...e, at: Date.now() }));
    const joined = await listener.timeout(5000).emitWithAck('chat:join', { slug: channel.slug, nickname: 'Listener' });
    expect(joined.ok).toBe(true);

    const off = await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.viewer.token });
    expect(off.body).toMatchObject({ state: 'off-air', jobId: null });
    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    expect(['starting', 'on-air']).toContain((started.body as LiveStatus).state);
    // Starting twice is one job.
    const again = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.owner.token, body: { action: 'start' } });
    expect(again.body.jobId).toBe(started.body.jobId);

    const playlistUrl = `${server.url}/live/${channel.slug}/index.m3u8`;
    let first = '';
    await waitFor(async () => {
      const r = await fetch(playlistUrl);
      if (r.status !== 200) return false;
      expect(r.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(r.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
      first = await r.text();
      return first.includes('#EXTINF');
    }, 'the HLS playlist is served', 30_000);
    expect(first).toContain('#EXT-X-PROGRAM-DATE-TIME');
    const segment = first.split('\n').find((l) => l.endsWith('.ts'))!;
    const seg = await fetch(`${server.url}/live/${channel.slug}/${segment}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    const status = await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.viewer.token });
    expect(status.body).toMatchObject({ state: 'on-air', hlsUrl: `/live/${channel.slug}/index.m3u8` });

    // Valid HLS to ffprobe: AAC stereo at 48 kHz.
    const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', playlistUrl])).stdout) as { streams: { codec_name: string; sample_rate: string; channels: number }[] };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });

    // 15 s of the stream as a listener hears it: no silence anywhere (the rotation has no breaks).
    const capture = ffmpeg('-i', playlistUrl, '-t', '15', '-af', 'silencedetect=noise=-50dB:d=0.5', '-f', 'null', '-');
    const seq1 = mediaSequence(first);
    const report = await capture;
    expect(report).not.toContain('silence_start');
    const secs = /time=(\d+):(\d+):([\d.]+)/g;
    const times = [...report.matchAll(secs)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
    if (times.length) expect(Math.max(...times)).toBeGreaterThan(14);
    const later = await (await fetch(playlistUrl)).text();
    expect(mediaSequence(later)).toBeGreaterThan(seq1);

    // Now playing: each item was announced when it started (±1 s of the wall clock), and consecutive items start where
    // the plan puts them: the next begins one crossfade before the previous ends.
    expect(heard.length).toBeGreaterThanOrEqual(3);
    for (const h of heard) {
      expect(h.channelId).toBe(channel.id);
      expect(h.live).toBe(true);
    }
    // The first is the item on air when the job began (announced mid-item); the rest as they start.
    for (const h of heard.slice(1)) expect(Math.abs(h.at - h.now!.startedAt)).toBeLessThan(1000);
    const ordered = heard;
    for (let i = 1; i < ordered.length; i++) {
      const prev = ordered[i - 1].now!;
      const cur = ordered[i].now!;
      expect(cur.startedAt).toBe(prev.startedAt + prev.duration * 1000 - 1000);
      expect(cur.assetId).not.toBe(prev.assetId);
      expect(ordered[i - 1].next[0]).toMatchObject({ assetId: cur.assetId, startedAt: cur.startedAt });
    }
    const np = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`);
    expect(np.status).toBe(200);
    expect(np.body).toMatchObject({ channel: { slug: channel.slug }, live: true, listeners: 0 });
    expect(assets.map((a) => a.id)).toContain(np.body.now.assetId);
    expect(np.body.next.length).toBeGreaterThan(0);

    // Resume: the worker dies mid-air; the job comes back (released when its connection drops) on the restarted worker and picks up
    // the plan where it is now: the item on air, at its offset, in the same chain of planned starts.
    const last = heard.at(-1)!;
    const workerPids = execFileSync('pgrep', ['-P', String(server.proc.pid)]).toString().trim().split('\n').map(Number);
    expect(workerPids.length).toBeGreaterThan(0);
    for (const pid of workerPids) process.kill(pid, 'SIGKILL');
    const before = heard.length;
    await waitFor(() => heard.length > before, 'now playing after the restart', 30_000);
    const resumed = heard[before];
    expect(resumed.now!.startedAt).toBeLessThanOrEqual(resumed.at + 1000);
    expect(resumed.at - resumed.now!.startedAt).toBeLessThan(resumed.now!.duration * 1000);
    expect((resumed.now!.startedAt - last.now!.startedAt) % (last.now!.duration * 1000 - 1000)).toBe(0);
    const job2 = await api(server, 'GET', `/api/jobs/${started.body.jobId}`, { token: team.owner.token });
    expect(job2.body).toMatchObject({ status: 'running' });
    expect(job2.body.attempts).toBeGreaterThan(1);
    const seqBefore = mediaSequence(await (await fetch(playlistUrl)).text());
    await waitFor(async () => mediaSequence(await (await fetch(playlistUrl)).text()) > seqBefore, 'the stream advances again', 15_000);

    // Stop: the job ends and the playlist stops advancing.
    const stopped = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('off-air');
    const job = await api(server, 'GET', `/api/jobs/${started.body.jobId}`, { token: team.owner.token });
    expect(job.body.status).toBe('canceled');
    await sleep(1000);
    const frozen = await (await fetch(playlistUrl)).text();
    await sleep(4500);
    const after = await (await fetch(playlistUrl)).text();
    expect(mediaSequence(after)).toBe(mediaSequence(frozen));
    expect(after).toContain('#EXT-X-ENDLIST');
    const np2 = await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`);
    expect(np2.body).toMatchObject({ live: false, now: null });

    // Starting again brings back the same job (one per channel), queued for a worker.
    const restarted = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(restarted.status).toBe(202);
    expect(restarted.body).toMatchObject({ jobId: started.body.jobId });
    expect(['starting', 'on-air']).toContain(restarted.body.state);
    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } })).body.state).toBe('off-air');
  }, 120_000);

  it('refuses bad input: viewers, unknown actions, and worker calls without the lease', async () => {
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Quiet FM' } });
    const channelId = created.body.id as string;
    expectApiError(await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.viewer.token, body: { action: 'start' } }), 403);
    expectApiError(await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.outsider.token, body: { action: 'start' } }), 404);
    const bad = await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.editor.token, body: { action: 'dance' } });
    expectApiError(bad, 400, 'invalid_input');
    expect(bad.body.error.message).toContain('start');
    expectApiError(await api(server, 'POST', `/api/channels/${channelId}/live`, { token: team.editor.token, body: {} }), 400);
    expectApiError(await api(server, 'GET', `/api/channels/${channelId}/live`), 401);

    const jobId = 'aaaaaaaaaaaaaaaa';
    expectApiError(await api(server, 'GET', `/api/worker/jobs/${jobId}/plan?from=${Date.now()}`), 401);
    expectApiError(await api(server, 'GET', `/api/worker/jobs/${jobId}/plan?from=${Date.now()}`, { token: 'wkr_nonsense' }), 401);
    expectApiError(await api(server, 'POST', `/api/worker/jobs/${jobId}/played`, { body: {} }), 401);
    const put = await fetch(`${server.url}/api/worker/jobs/${jobId}/hls/index.m3u8`, { method: 'PUT', body: '#EXTM3U' });
    expect(put.status).toBe(401);
    expect((await fetch(`${server.url}/live/no-such-channel/index.m3u8`)).status).toBe(404);
    expect((await fetch(`${server.url}/live/${created.body.slug}/index.m3u8`)).status).toBe(404);
  });
});
