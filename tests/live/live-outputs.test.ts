import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveOutputHealth, LiveStatus } from '$lib/live';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, tempDir } from '../helpers/media';
import { airAsRotation, uploadTestVideo, uploadTones } from '../helpers/live-channel';
import { freePort, startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

const run = promisify(execFile);

// Outputs, several at once, against real servers on this machine: Debian's icecast2, and a local nginx-rtmp server
// standing in for YouTube; a third RTMP destination refuses connections and a fourth accepts and never answers.
let server: RunningServer;
let team: Team;
let dir: string;
let icecast: ChildProcess | undefined;
let nginx: ChildProcess | undefined;
let hang: net.Server | undefined;
const held: net.Socket[] = [];
let icePort = 0;
let rtmpPort = 0;
const SOURCE_PASSWORD = 'ice-source-secret-1234';
const STREAM_KEY = 'yt-key-secret-5678';

/** Starts a process and collects its output; fails the test setup if it exits early. */
function daemon(cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  p.on('exit', (code) => code && console.error(`${cmd} exited ${code}: ${out}`));
  return p;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

beforeAll(async () => {
  dir = await tempDir('airstudio-outputs-');
  // As root (CI), both servers drop to their packages' users: those must write the logs and recordings.
  fs.chmodSync(dir, 0o777);
  icePort = await freePort();
  rtmpPort = await freePort();
  const asRoot = process.getuid?.() === 0;
  fs.writeFileSync(
    path.join(dir, 'icecast.xml'),
    `<icecast>
  <limits><sources>4</sources><clients>10</clients></limits>
  <authentication><source-password>${SOURCE_PASSWORD}</source-password><admin-user>admin</admin-user><admin-password>admin-pw</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>${icePort}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>${dir}</logdir><webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>ice-access.log</accesslog><errorlog>ice-error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>${asRoot ? '<changeowner><user>icecast2</user><group>icecast</group></changeowner>' : ''}</security>
</icecast>`
  );
  icecast = daemon('icecast2', ['-c', path.join(dir, 'icecast.xml')]);
  fs.mkdirSync(path.join(dir, 'rtmp-rec'), { mode: 0o777 });
  fs.chmodSync(path.join(dir, 'rtmp-rec'), 0o777);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log info;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    application live2 {
      live on;
      record all;
      record_path ${dir}/rtmp-rec;
      record_unique on;
    }
  }
}
`
  );
  nginx = daemon('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'nginx-error.log')]);
  // A destination that takes the connection and never answers: its encoder makes no progress and must be restarted.
  hang = net.createServer((s) => void held.push(s));
  await new Promise<void>((r) => hang!.listen(0, '127.0.0.1', r));
  await waitFor(async () => (await listening(icePort)) && (await listening(rtmpPort)), 'icecast2 and nginx-rtmp listen', 15_000);

  server = await startServer({
    env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2', LIVE_RECORDING_SEGMENT_SECONDS: '10', LIVE_RECORDING_SWEEP_SECONDS: '2', LIVE_OUTPUT_STALL_SECONDS: '6' }
  });
  team = await createTeam(server, 'Outputs');
});

afterAll(async () => {
  await server?.destroy();
  for (const s of held) s.destroy();
  hang?.close();
  for (const p of [icecast, nginx]) {
    if (p && p.exitCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function probeStreams(url: string): Promise<{ codec_type: string; codec_name: string }[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', url], { timeout: 20_000 });
  return (JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[] }).streams;
}

/** Mean volume in dB of `seconds` read from a live URL (-91 is digital silence). */
async function meanVolume(url: string, seconds: number): Promise<{ volume: number; time: number }> {
  const report = await ffmpeg('-i', url, '-t', String(seconds), '-af', 'volumedetect', '-f', 'null', '-');
  const volume = Number(/mean_volume: (-?[\d.]+) dB/.exec(report)?.[1] ?? -999);
  const times = [...report.matchAll(/time=(\d+):(\d+):([\d.]+)/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]));
  return { volume, time: Math.max(0, ...times) };
}

const outputsOf = async (channelId: string) => ((await api(server, 'GET', `/api/channels/${channelId}/live`, { token: team.viewer.token })).body as LiveStatus).health?.outputs ?? [];
const byKind = (outs: LiveOutputHealth[], name: string) => outs.find((o) => o.name === name);

describe('live outputs', () => {
  it('airs to Icecast and RTMP at once, retries a refusing destination, restarts a stalled one, and records the air', async () => {
    const assets = await uploadTones(server, team, dir, [330, 550], 8);

    const closedPort = await freePort();
    const hangPort = (hang!.address() as net.AddressInfo).port;
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, {
      token: team.editor.token,
      body: {
        name: 'Outputs FM',
        recordingEnabled: true,
        recordingRetentionDays: 1,
        outputs: {
          icecast: { host: '127.0.0.1', port: icePort, mount: '/outputs.mp3', username: 'source', password: SOURCE_PASSWORD, format: 'mp3', bitrate: 128 },
          rtmp: [
            { name: 'Local YouTube', preset: 'custom', url: `rtmp://127.0.0.1:${rtmpPort}/live2`, streamKey: STREAM_KEY },
            { name: 'Refusing', preset: 'custom', url: `rtmp://127.0.0.1:${closedPort}/live2`, streamKey: 'refused-key-0000' },
            { name: 'Hanging', preset: 'custom', url: `rtmp://127.0.0.1:${hangPort}/live2`, streamKey: 'hanging-key-0000' }
          ]
        }
      }
    });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string; slug: string };
    // The channel as people see it carries no secret.
    expect(JSON.stringify(created.body)).not.toContain(SOURCE_PASSWORD);
    expect(JSON.stringify(created.body)).not.toContain(STREAM_KEY);

    await airAsRotation(server, team, assets, 'Tones');

    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    // The outputs' secrets are for the lease holder only.
    expectApiError(await api(server, 'GET', `/api/worker/jobs/${jobId}/outputs`), 401);
    expectApiError(await api(server, 'GET', `/api/worker/jobs/${jobId}/outputs`, { token: team.owner.token }), 401);

    const ice = 'icecast 127.0.0.1:' + icePort + '/outputs.mp3';
    await waitFor(async () => {
      const outs = await outputsOf(channel.id);
      return byKind(outs, ice)?.state === 'connected' && byKind(outs, 'rtmp Local YouTube')?.state === 'connected' && byKind(outs, 'rtmp Refusing')?.state === 'retrying';
    }, 'icecast and RTMP connected, the refusing destination retrying', 40_000);

    // The Icecast mount plays: MP3, and not silence.
    const iceUrl = `http://127.0.0.1:${icePort}/outputs.mp3`;
    expect((await probeStreams(iceUrl)).map((s) => s.codec_name)).toEqual(['mp3']);
    const heard = await meanVolume(iceUrl, 3);
    expect(heard.volume).toBeGreaterThan(-40);
    expect(heard.time).toBeGreaterThan(2);

    // The local stand-in for YouTube receives audio and a picture: what nginx-rtmp recorded of the stream.
    const flvs = () => fs.readdirSync(path.join(dir, 'rtmp-rec')).filter((f) => f.startsWith(STREAM_KEY) && f.endsWith('.flv')).map((f) => path.join(dir, 'rtmp-rec', f));
    const flv = () => flvs().sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    expect(flvs().length).toBeGreaterThan(0);
    const rtmpStreams = await probeStreams(flv());
    expect(rtmpStreams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
    const rtmpHeard = await meanVolume(flv(), 3);
    expect(rtmpHeard.volume).toBeGreaterThan(-40);
    const flvSize = fs.statSync(flv()).size;

    // The refusing destination keeps being retried with a next attempt and its error, without its key; the hanging one
    // was killed for making no progress and restarted; the others are still connected and their media advances.
    let outs: LiveOutputHealth[] = [];
    await waitFor(async () => {
      outs = await outputsOf(channel.id);
      return (byKind(outs, 'rtmp Refusing')?.restarts ?? 0) >= 2 && (byKind(outs, 'rtmp Hanging')?.stalls ?? 0) >= 1;
    }, 'the refusing destination retried and the hanging one restarted', 30_000);
    const refusing = byKind(outs, 'rtmp Refusing')!;
    expect(refusing.lastError).toBeTruthy();
    expect(refusing.lastError).not.toContain('refused-key-0000');
    expect(byKind(outs, 'hls')?.state).toBe('connected');
    expect(byKind(outs, ice)?.state).toBe('connected');
    expect(byKind(outs, 'rtmp Local YouTube')?.state).toBe('connected');
    expect(byKind(outs, ice)?.restarts).toBe(0);
    const status = await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.viewer.token });
    expect(JSON.stringify(status.body)).not.toContain(STREAM_KEY);
    expect(server.output()).toContain('live output failing');
    // Logs name destinations, never their keys or the source password.
    for (const secret of [STREAM_KEY, 'refused-key-0000', SOURCE_PASSWORD]) expect(server.output()).not.toContain(secret);
    const again = await meanVolume(iceUrl, 2);
    expect(again.volume).toBeGreaterThan(-40);
    expect(fs.statSync(flv()).size).toBeGreaterThan(flvSize);

    // Recording in 10 s files cut at the wall clock: a full one is stored on the server.
    const recDir = path.join(server.dataDir, 'recordings', channel.id);
    let full = '';
    await waitFor(async () => {
      for (const f of fs.existsSync(recDir) ? fs.readdirSync(recDir) : []) {
        if (!/^rec-\d{8}-\d{6}\.m4a$/.test(f)) continue;
        const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(recDir, f)]);
        if (Math.abs(Number(stdout) - 10) < 0.6) full = f;
      }
      return full !== '';
    }, 'a full 10 s recording is stored', 40_000);

    // Retention: a recording from 2020 is deleted by the sweep (every 2 s here), the fresh one stays.
    const old = path.join(recDir, 'rec-20200101-000000.m4a');
    fs.copyFileSync(path.join(recDir, full), old);
    await waitFor(() => !fs.existsSync(old), 'the old recording swept', 15_000);
    expect(fs.existsSync(path.join(recDir, full))).toBe(true);

    // A killed worker leaves no encoder behind: each ends with its input (the RTMP one's endless picture included),
    // while the supervisor's new worker airs again with encoders of its own.
    const pgrep = (...args: string[]) => execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    const encoders = pgrep('-f', STREAM_KEY);
    expect(encoders.length).toBeGreaterThan(0);
    const [worker] = pgrep('-P', String(server.proc.pid), '-f', 'worker.js');
    process.kill(worker, 'SIGKILL');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(() => encoders.every((pid) => !alive(pid)), `the killed worker's encoders (${encoders.join(', ')}) exit`, 15_000);

    const stopped = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } });
    expect(stopped.body.state).toBe('off-air');
  }, 180_000);

  it("carries a video channel's 720p25 picture and sound to an RTMP destination", async () => {
    const key = 'tv-key-secret-9012';
    const assets = [await uploadTestVideo(server, team, dir, 8), ...(await uploadTones(server, team, dir, [440], 8))];
    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, {
      token: team.editor.token,
      body: { name: 'Outputs TV', kind: 'video', crossfadeSeconds: 1, outputs: { rtmp: [{ name: 'Local Twitch', preset: 'custom', url: `rtmp://127.0.0.1:${rtmpPort}/live2`, streamKey: key }] } }
    });
    expect(created.status).toBe(201);
    const channel = created.body as { id: string };
    await airAsRotation(server, team, assets, 'TV rotation');
    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } })).status).toBe(202);
    await waitFor(async () => byKind(await outputsOf(channel.id), 'rtmp Local Twitch')?.state === 'connected', 'the RTMP destination connected', 40_000);

    // What nginx-rtmp recorded: the channel's picture (not the audio channels' 2 fps black) with AAC.
    const flvs = () => fs.readdirSync(path.join(dir, 'rtmp-rec')).filter((f) => f.startsWith(key) && f.endsWith('.flv')).map((f) => path.join(dir, 'rtmp-rec', f));
    await waitFor(() => flvs().some((f) => fs.statSync(f).size > 500_000), 'a few seconds of the stream recorded', 40_000);
    const streams = (JSON.parse((await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', flvs()[0]], { timeout: 20_000 })).stdout) as {
      streams: { codec_type: string; codec_name: string; width?: number; height?: number; avg_frame_rate?: string }[];
    }).streams;
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const frames = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-show_entries', 'format=duration', '-of', 'json', flvs()[0]], { timeout: 20_000 });
    const counted = JSON.parse(frames.stdout) as { streams: { nb_read_frames: string }[]; format: { duration: string } };
    // 25 frames a second of air.
    expect(Number(counted.streams[0].nb_read_frames) / Number(counted.format.duration)).toBeGreaterThan(20);
    expect(server.output()).not.toContain(key);

    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } })).body.state).toBe('off-air');
  }, 240_000);
});
