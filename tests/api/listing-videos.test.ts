import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { addPhotos, setListing } from '$lib/editor/model/brief/operations';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { JobJson } from '$lib/job';
import { LISTING_VIDEO_CATEGORY, type ListingRenderResult } from '$lib/listing-video';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { ffmpeg, ffprobe, tempDir } from '../helpers/media';
import { startServer, type RunningServer } from '../helpers/server';
import { processed, uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor } from '../helpers/yclient';

// Listing videos from the brief through the whole system: the built server, a real worker (listing.render), the
// library, the project's timeline over y-websocket, and the public page of unaltered photos.
let server: RunningServer;
let team: Team;
let dir: string;
const photos: AssetJson[] = [];
let staged: AssetJson;
let song: AssetJson;

const render = (body: unknown, token = team.editor.token) => api(server, 'POST', `/api/projects/${team.projectId}/brief/video`, { token, body });

async function finished(id: string): Promise<JobJson> {
  let job: JobJson | undefined;
  await waitFor(async () => ['succeeded', 'failed'].includes((job = (await api<JobJson>(server, 'GET', `/api/jobs/${id}`, { token: team.owner.token })).body).status), 'listing.render finishes', 600_000);
  return job!;
}

/** Edits the brief as the editor over y-websocket, and waits until the server has it. */
async function editBrief(fn: (pd: ProjectDoc) => void, check: (pd: ProjectDoc) => boolean): Promise<void> {
  const client = connectClient(server.wsUrl, team.projectId, team.editor.token);
  try {
    await client.synced;
    new ProjectDoc(client.doc).transact(userOrigin(team.editor.id), fn);
    const observer = connectClient(server.wsUrl, team.projectId, team.owner.token);
    try {
      await observer.synced;
      await waitFor(() => check(new ProjectDoc(observer.doc)), 'the server has the brief edit');
    } finally {
      observer.destroy();
    }
  } finally {
    client.destroy();
  }
}

describe('listing videos from the brief', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    server = await startServer({ env: { LOCAL_WORKERS: '1', LOCAL_WORKER_CONCURRENCY: '1', CREDITS_START: '100', LISTING_CLIP_CACHE_DIR: path.join((dir = await tempDir('airstudio-listing-api')), 'cache') } });
    team = await createTeam(server, 'Listing videos');
    for (const [i, colour] of ['0x30405a', '0xd8c8a0', '0x507050'].entries()) {
      const file = path.join(dir, `room-${i}.jpg`);
      await ffmpeg('-f', 'lavfi', '-i', `color=c=${colour}:s=960x640,drawgrid=w=80:h=80:t=2:c=white@0.5`, '-frames:v', '1', file);
      photos.push(await uploadProcessed(server, team.projectId, team.editor, file));
    }
    const stagedFile = path.join(dir, 'room-1-staged.jpg');
    await ffmpeg('-f', 'lavfi', '-i', 'color=c=0xc0a080:s=960x640,drawbox=x=300:y=300:w=300:h=200:c=0x604020:t=fill', '-frames:v', '1', stagedFile);
    staged = await uploadProcessed(server, team.projectId, team.editor, stagedFile);
    const songFile = path.join(dir, 'clicks.wav');
    await ffmpeg('-f', 'lavfi', '-i', "aevalsrc='0.8*sin(2*PI*1000*t)*exp(-40*mod(t-0.25\\,0.5))*lt(mod(t-0.25\\,0.5)\\,0.08)':s=44100:d=20", songFile);
    song = await uploadProcessed(server, team.projectId, team.editor, songFile);
    await processed(server, team.editor, song.id);
  }, 600_000);
  afterAll(async () => {
    await server?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad requests with clear errors: an empty brief, bad JSON, unknown or wrong assets, viewers', async () => {
    expectApiError(await render({}), 422, 'no_photos');
    const bad = await api(server, 'POST', `/api/projects/${team.projectId}/brief/video`, { token: team.editor.token, raw: '{"variants": [' });
    expect(bad.status).toBe(400);
    expectApiError(await render({ variants: [{ aspect: '3:2', branded: true }] }), 400);
    await editBrief(
      (pd) => {
        const assets = Object.fromEntries([...photos, staged].map((a) => [a.id, { kind: 'image', title: a.title }]));
        const added = addPhotos(pd.brief.snapshot(), { assetIds: photos.map((p) => p.id), assets });
        if (!added.ok) throw new Error(added.reason);
        pd.brief.apply(added.changes);
        const hostile = setListing(pd.brief.snapshot(), { patch: { address: '<b>12 Elm</b> & "Co" </text><script>x</script>', price: 850000, beds: 3, baths: 2, branding: { name: 'Ann Agent', phone: '+1 555 0100', logoAssetId: null, primaryColor: '#1f2937', accentColor: '#2563eb' } } });
        if (!hostile.ok) throw new Error(hostile.reason);
        pd.brief.apply(hostile.changes);
        // The staged copy of the second photo, as the staging board records it.
        const second = pd.brief.snapshot().photos[1]!;
        pd.brief.apply([{ op: 'update', kind: 'photo', id: second.id, patch: { stagedAssetId: staged.id, focus: { x: 0.7, y: 0.4 } } }]);
      },
      (pd) => pd.brief.snapshot().photos.length === 3 && pd.brief.snapshot().photos[1]!.stagedAssetId === staged.id
    );
    expectApiError(await render({ musicAssetId: 'aaaaaaaaaaaaaaaa' }), 404);
    expectApiError(await render({ musicAssetId: photos[0]!.id }), 422, 'not_audio');
    expectApiError(await render({}, team.viewer.token), 403);
  });

  it('renders the chosen variants into the library, writes the cut into the timeline, and links the unaltered photos', async () => {
    const r = await render({ variants: [{ aspect: '16:9', branded: true }, { aspect: '9:16', branded: false }], musicAssetId: song.id, photoSeconds: 1, timeline: true });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const job = await finished(r.body.id);
    expect(job.status, job.error ?? '').toBe('succeeded');
    const result = job.result as ListingRenderResult;
    expect(result.outputs.map((o) => [o.aspect, o.branded, o.width, o.height])).toEqual([
      ['16:9', true, 1920, 1080],
      ['9:16', false, 1080, 1920]
    ]);
    expect(result.renderedClips).toBe(6);
    expect(result.staged).toEqual([{ assetId: photos[1]!.id, stagedAssetId: staged.id }]);
    for (const o of result.outputs) {
      const asset = await processed(server, team.editor, o.assetId);
      expect(asset.category).toBe(LISTING_VIDEO_CATEGORY);
      const file = path.join(dir, `${o.assetId}.mp4`);
      fs.writeFileSync(file, Buffer.from(await (await fetch(`${server.url}${asset.url}`)).arrayBuffer()));
      const p = await ffprobe(file);
      expect(p.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(Math.abs(Number(p.format.duration) - o.seconds)).toBeLessThan(0.1);
    }
    // The timeline holds the cut: three photo clips (the staged copy for the second), crossfades, cards, the music.
    expect(result.timelineId).toBe(team.projectId);
    const client = connectClient(server.wsUrl, team.projectId, team.owner.token);
    try {
      await client.synced;
      const s = new ProjectDoc(client.doc).timeline.snapshot();
      expect(s.clips.filter((c) => c.keyframes.scale?.length === 2).sort((a, b) => a.start - b.start).map((c) => c.assetId)).toEqual([photos[0]!.id, staged.id, photos[2]!.id]);
      expect(s.transitions).toHaveLength(2);
      expect(s.clips.filter((c) => c.title).length).toBe(2);
      expect(s.clips.some((c) => c.assetId === song.id)).toBe(true);
    } finally {
      client.destroy();
    }
    // The QR code's page: public, read-only, the unaltered photo.
    expect(result.originalsUrl).toMatch(/\/listing\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\/originals$/);
    const page = await fetch(`${server.url}${new URL(result.originalsUrl!).pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/api/assets/${photos[1]!.id}/file`);
    const forged = await fetch(`${server.url}${new URL(result.originalsUrl!).pathname.replace(/\.[A-Za-z0-9_-]{22}\//, '.AAAAAAAAAAAAAAAAAAAAAA/')}`);
    expect(forged.status).toBe(404);
  });
});
