import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveStatus } from '$lib/live';
import { api, createTeam, type Team } from '../helpers/api';
import { startLiveChannel } from '../helpers/live-channel';
import { tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';

const run = promisify(execFile);

// A video channel on air through the whole system: a test video and a tone processed by the local worker, the
// channel's picture encoded beside its sound into the HLS the web process serves.
let server: RunningServer;
let team: Team;
let dir: string;

beforeAll(async () => {
  server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '2' } });
  team = await createTeam(server, 'Video station');
  dir = await tempDir('airstudio-live-video-');
});
afterAll(async () => {
  await server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The card's background (0x1b2440) against testsrc2's colours: the share of a frame's pixels that are card-blue. */
async function cardShare(segment: string): Promise<number> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', segment, '-frames:v', '1', '-vf', 'scale=64:36', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 20 });
  let near = 0;
  for (let i = 0; i + 2 < stdout.length; i += 3) if (Math.abs(stdout[i] - 0x1b) < 24 && Math.abs(stdout[i + 1] - 0x24) < 24 && Math.abs(stdout[i + 2] - 0x40) < 24) near++;
  return near / (stdout.length / 3);
}

describe('a video channel', () => {
  it('airs 720p H.264 with AAC in HLS: the video item shows its own picture, the tone a card, in real time', async () => {
    const channel = await startLiveChannel(server, team, dir, { name: 'Test Card TV', kind: 'video', seconds: 8 });
    const [video, tone] = channel.assets;
    expect(video.kind).toBe('video');
    // Its sound has a loudness-normalised broadcast copy, as a track's.
    expect(video.variants.map((v) => v.name)).toEqual(expect.arrayContaining(['proxy', 'broadcast']));
    expect(tone.kind).toBe('audio');

    const playlistUrl = `${server.url}/live/${channel.slug}/index.m3u8`;
    const probe = JSON.parse((await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', playlistUrl])).stdout) as {
      streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number }[];
    };
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(probe.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });

    // Every segment for 22 s (more than one turn of the 8 s + 8 s rotation, crossfaded by 1 s): its first picture.
    const shares = new Map<string, number>();
    let seconds = 0;
    let first: Set<string> | null = null;
    const until = Date.now() + 22_000;
    while (Date.now() < until) {
      const text = await (await fetch(playlistUrl)).text();
      first ??= new Set(text.split('\n').filter((l) => l.endsWith('.ts')));
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const name = lines[i].trim();
        if (!name.endsWith('.ts') || shares.has(name)) continue;
        const file = path.join(dir, name);
        fs.writeFileSync(file, new Uint8Array(await (await fetch(`${server.url}/live/${channel.slug}/${name}`)).arrayBuffer()));
        shares.set(name, await cardShare(file));
        const extinf = lines.slice(0, i).findLast((l) => l.startsWith('#EXTINF:')) ?? '';
        if (!first.has(name)) seconds += Number(/#EXTINF:([\d.]+)/.exec(extinf)?.[1] ?? 0);
      }
      await sleep(1000);
    }
    const values = [...shares.values()];
    // The tone shows the card (most of the frame its background); the video its own picture (next to none of it).
    expect(values.some((v) => v > 0.8), `card shares ${values.join(', ')}`).toBe(true);
    expect(values.some((v) => v < 0.1), `card shares ${values.join(', ')}`).toBe(true);
    // In real time: over the 22 s watched, segments of at least 18 s came (one 2 s segment may be in the making at each end).
    expect(seconds).toBeGreaterThanOrEqual(18);

    // Neither dead air nor the emergency ID: the picture never held the sound up.
    const status = (await api<LiveStatus>(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.viewer.token })).body;
    expect(status.state).toBe('on-air');
    expect(status.health).toMatchObject({ silent: false, emergency: false });
    const hls = status.health!.outputs.find((o) => o.kind === 'hls');
    expect(hls, JSON.stringify(hls)).toMatchObject({ state: 'connected', restarts: 0, stalls: 0 });

    expect((await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'stop' } })).body.state).toBe('off-air');
  }, 240_000);
});
