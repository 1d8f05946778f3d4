import path from 'node:path';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as pl from '$lib/editor/model/playlist/operations';
import * as sc from '$lib/editor/model/schedule/operations';
import type { StationAssets } from '$lib/editor/model/playlist/snapshot';
import type { AssetJson } from '$lib/asset';
import { api, type Team, type TestUser } from './api';
import { WorkerClient, type JobContext } from '../../workers/worker-client';
import { ffmpeg, sine } from './media';
import { uploadProcessed } from './studio';
import { connectClient, waitFor } from './yclient';

/** Tones of the given pitches (`seconds` long), uploaded by the editor and processed into broadcast copies. */
export async function uploadTones(server: { url: string }, team: Team, dir: string, tones: number[], seconds: number): Promise<AssetJson[]> {
  const files = await Promise.all(
    tones.map(async (f) => {
      const file = path.join(dir, `tone-${f}.mp3`);
      await ffmpeg(...sine(seconds, f), '-c:a', 'libmp3lame', '-b:a', '96k', file);
      return file;
    })
  );
  return Promise.all(files.map((f) => uploadProcessed(server, team.projectId, team.editor, f)));
}

/**
 * A test video (ffmpeg's testsrc2 picture, 640x360 at 25 fps, over a `frequency` Hz tone), uploaded by the editor and
 * processed into its proxy and broadcast copy.
 */
export async function uploadTestVideo(server: { url: string }, team: Team, dir: string, seconds: number, frequency = 880): Promise<AssetJson> {
  const file = path.join(dir, `testsrc-${frequency}.mp4`);
  await ffmpeg(
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`, ...sine(seconds, frequency),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest', file
  );
  return uploadProcessed(server, team.projectId, team.editor, file);
}

/**
 * One sequential playlist of `assets` as the station's default rotation, edited over y-websocket as the studio would;
 * resolves once the server's document has it.
 */
export async function airAsRotation(server: { wsUrl: string }, team: Team, assets: AssetJson[], name: string): Promise<void> {
  const client = connectClient(server.wsUrl, team.projectId, team.editor.token);
  try {
    await client.synced;
    const pd = new ProjectDoc(client.doc);
    const library: StationAssets = Object.fromEntries(assets.map((a) => [a.id, { duration: a.duration!, approved: true, title: a.title }]));
    pd.transact(userOrigin(team.editor.id), (d) => {
      const made = pl.createPlaylist(d.playlists.snapshot(), { name, playback: 'sequential' });
      if (!made.ok) throw new Error(made.reason);
      d.playlists.apply(made.changes);
      const playlistId = made.created[0];
      const added = pl.addPlaylistItems(d.playlists.snapshot(), { playlistId, assetIds: assets.map((a) => a.id), assets: library });
      if (!added.ok) throw new Error(added.reason);
      d.playlists.apply(added.changes);
      const rotation = sc.setRotation(d.schedule.snapshot(), { rotation: [{ playlistId, weight: 1 }] });
      if (!rotation.ok) throw new Error(rotation.reason);
      d.schedule.apply(rotation.changes);
    });
    const observer = connectClient(server.wsUrl, team.projectId, team.owner.token);
    try {
      await observer.synced;
      await waitFor(() => new ProjectDoc(observer.doc).schedule.snapshot().settings.rotation.length === 1, 'the server has the rotation');
    } finally {
      observer.destroy();
    }
  } finally {
    client.destroy();
  }
}

/**
 * A station on air through the whole system (as tests/live/live-output.test.ts sets it up): tones (and on a video
 * channel a test video before them) uploaded and processed by the local worker, one sequential playlist as the default rotation edited over y-websocket, the channel
 * started, and its HLS playlist served. The server needs LOCAL_WORKERS=1.
 */
export async function startLiveChannel(
  server: { url: string; wsUrl: string },
  team: Team,
  dir: string,
  opts: { name: string; tones?: number[]; seconds?: number; kind?: 'audio' | 'video' }
): Promise<{ id: string; slug: string; assets: AssetJson[] }> {
  const kind = opts.kind ?? 'audio';
  const seconds = opts.seconds ?? 7;
  // A video channel's rotation: a test video, then the tones (which show as cards).
  const assets = [
    ...(kind === 'video' ? [await uploadTestVideo(server, team, dir, seconds)] : []),
    ...(await uploadTones(server, team, dir, opts.tones ?? (kind === 'video' ? [440] : [330, 440, 550]), seconds))
  ];

  const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: opts.name, crossfadeSeconds: 1, visibility: 'public', kind } });
  if (created.status !== 201) throw new Error(`channel create answered ${created.status}: ${JSON.stringify(created.body)}`);
  const channel = created.body as { id: string; slug: string };
  await airAsRotation(server, team, assets, `${opts.name} rotation`);

  const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
  if (started.status !== 202) throw new Error(`live start answered ${started.status}: ${JSON.stringify(started.body)}`);
  await waitFor(
    async () => {
      const r = await fetch(`${server.url}/live/${channel.slug}/index.m3u8`);
      return r.status === 200 && (await r.text()).includes('#EXTINF');
    },
    'the HLS playlist is served',
    60_000
  );
  return { ...channel, assets };
}

/**
 * A worker over the real protocol (owner's worker token) whose `channel.live` handler only holds the job's lease:
 * tests then read the plan and report what aired through the lease-checked endpoints, as the live worker does.
 * `runs` lists each run of the handler, with how many other runs were still going when it began.
 */
export async function leaseHoldingWorker(
  server: { url: string },
  owner: TestUser,
  name: string
): Promise<{ worker: WorkerClient; lease: () => JobContext | undefined; runs: { ctx: JobContext; ended: boolean; othersGoing: number }[] }> {
  const token = await api(server, 'POST', '/api/worker-tokens', { token: owner.token, body: { name } });
  if (token.status !== 201) throw new Error(`worker token answered ${token.status}`);
  let live: JobContext | undefined;
  const runs: { ctx: JobContext; ended: boolean; othersGoing: number }[] = [];
  const worker = new WorkerClient({
    server: server.url,
    token: token.body.token,
    name: 'live-stub',
    concurrency: 1,
    version: 'test',
    log: () => undefined,
    handlers: {
      'channel.live': (ctx) => {
        const run = { ctx, ended: false, othersGoing: runs.filter((r) => !r.ended).length };
        runs.push(run);
        live = ctx;
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((run.ended = true))));
      }
    }
  });
  await worker.start();
  return { worker, lease: () => live, runs };
}
