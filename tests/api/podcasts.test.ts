import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import type { PodcastEpisodeJson, PodcastJson, RecordingsJson } from '$lib/podcast';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as sc from '$lib/editor/model/schedule/operations';
import type { WorkerClient } from '../../workers/worker-client';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { ffmpeg, sine, tempDir } from '../helpers/media';
import { freePort, startServer, type RunningServer } from '../helpers/server';
import { uploadProcessed } from '../helpers/studio';
import { connectClient, waitFor } from '../helpers/yclient';

const run = promisify(execFile);
const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

const recName = (ms: number) => `rec-${new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.m4a`;

async function probe(file: string): Promise<{ duration: number; width?: number; height?: number; chapters: { start: number; title: string }[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', file]);
  const j = JSON.parse(stdout) as { format: { duration: string }; streams: { width?: number; height?: number }[]; chapters: { start_time: string; tags?: { title?: string } }[] };
  return {
    duration: Number(j.format.duration),
    width: j.streams[0]?.width,
    height: j.streams[0]?.height,
    chapters: j.chapters.map((c) => ({ start: Number(c.start_time), title: c.tags?.title ?? '' }))
  };
}

async function uploadRaw(server: RunningServer, team: Team, file: string): Promise<AssetJson> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
  const r = await fetch(`${server.url}/api/projects/${team.projectId}/assets`, { method: 'POST', headers: { authorization: `Bearer ${team.editor.token}` }, body: form });
  expect(r.status).toBe(201);
  return (await r.json()) as AssetJson;
}

// Podcasts through the built server: real uploads (a worker processes the audio, then the server restarts without
// one so the live job goes to a stub holding its lease), recordings and plays reported over the worker protocol as the
// live job does, episode files cut by ffmpeg and read back by ffprobe, and the feed read by a real XML parser.
describe.each(KINDS)('podcasts API on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let team: Team;
  let dir: string;
  let origin: string;
  let song: AssetJson;
  let cover: AssetJson;
  let channel: { id: string; slug: string };
  let worker: WorkerClient | undefined;
  /** Start of the first stored recording (three files of 20 s each, back to back), on a whole minute. */
  let T: number;

  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const env = { ORIGIN: origin, JOB_POLL_MS: '200' };
    server = await startServer({ port, databaseUrl: database?.url, env: { ...env, LOCAL_WORKERS: '1' } });
    team = await createTeam(server, 'Podcasts');
    dir = await tempDir('airstudio-podcasts-');
    const mp3 = path.join(dir, 'interview.mp3');
    await ffmpeg(...sine(6, 523), '-c:a', 'libmp3lame', '-b:a', '96k', mp3);
    const png = path.join(dir, 'cover.png');
    await ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=1000x600:rate=1:duration=1', '-frames:v', '1', png);
    song = await uploadProcessed(server, team.projectId, team.editor, mp3);
    cover = await uploadRaw(server, team, png);
    await server.stop();
    server = await startServer({ port, dataDir: server.dataDir, databaseUrl: database?.url, env: { ...env, LOCAL_WORKERS: '0' } });

    const created = await api(server, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.editor.token, body: { name: 'Podcast FM', recordingEnabled: true } });
    expect(created.status).toBe(201);
    channel = created.body;
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await server?.destroy();
    await database?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const base = () => ({
    title: 'Morning Show',
    description: 'The best of the morning.',
    author: 'Podcast FM',
    category: 'Music'
  });

  it('creates a podcast with square artwork, and refuses bad input with a clear 4xx', async () => {
    const r = await api<PodcastJson>(server, 'POST', `/api/channels/${channel.id}/podcasts`, { token: team.editor.token, body: { ...base(), artworkAssetId: cover.id } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.slug).toBe('morning-show');
    expect(r.body.feedUrl).toBe(`${origin}/podcasts/morning-show/feed.xml`);
    expect(r.body.artworkUrl).toBe(`${origin}/podcasts/morning-show/artwork.jpg`);
    expect(r.body.published).toBe(false);

    // Members see the artwork before publishing: a square JPEG in the size podcast apps want (1400–3000 px).
    const art = await fetch(r.body.artworkUrl!, { headers: { authorization: `Bearer ${team.viewer.token}` } });
    expect(art.status).toBe(200);
    expect(art.headers.get('content-type')).toBe('image/jpeg');
    const artFile = path.join(dir, 'art.jpg');
    fs.writeFileSync(artFile, Buffer.from(await art.arrayBuffer()));
    const p = await probe(artFile);
    expect(p.width).toBe(1400);
    expect(p.height).toBe(1400);
    expect((await fetch(r.body.artworkUrl!)).status).toBe(404);

    const post = (body: unknown, token = team.editor.token) => api(server, 'POST', `/api/channels/${channel.id}/podcasts`, { token, body });
    expectApiError(await post({ ...base(), artworkAssetId: song.id }), 400, 'not_image');
    expectApiError(await post({ ...base(), artworkAssetId: 'aaaaaaaaaaaaaaaa' }), 400, 'unknown_asset');
    expectApiError(await post({ ...base(), artworkAssetId: 'not an id' }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), title: 'x'.repeat(201) }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), description: 'd'.repeat(4001) }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), title: 'Bell\u0007' }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), category: 'Cats' }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), language: 'English!' }), 400, 'invalid_input');
    expectApiError(await post({ ...base(), slug: 'morning-show' }), 409, 'slug_taken');
    expectApiError(await post(base(), team.viewer.token), 403);
    expectApiError(await post(base(), team.outsider.token), 404);
    const bad = await api(server, 'POST', `/api/channels/${channel.id}/podcasts`, { token: team.editor.token, raw: '{"title":' });
    expectApiError(bad, 400, 'invalid_json');
  });

  it('cuts an episode out of the recordings, with chapters from the play log, served with byte ranges', async () => {
    const stub = await leaseHoldingWorker(server, team.owner, 'podcast stub');
    worker = stub.worker;
    const started = await api(server, 'POST', `/api/channels/${channel.id}/live`, { token: team.editor.token, body: { action: 'start' } });
    expect(started.status).toBe(202);
    await waitFor(() => !!stub.lease(), 'the stub holds the live job', 20_000);
    const lease = stub.lease()!;
    const request = lease.request!;
    const jobPath = `/api/worker/jobs/${lease.job.id}`;

    // Three 20 s recording files an hour ago, uploaded as the recorder does.
    T = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
    for (const [i, f] of [440, 660, 880].entries()) {
      const file = path.join(dir, recName(T + i * 20_000));
      await ffmpeg(...sine(20, f), '-c:a', 'aac', '-b:a', '128k', '-f', 'ipod', file);
      const put = await request(`${jobPath}/recordings/${path.basename(file)}`, { method: 'PUT', body: new Uint8Array(fs.readFileSync(file)), headers: { 'content-type': 'audio/mp4' } });
      expect(put.status).toBe(201);
    }
    const plays = [
      { title: 'Alpha', artist: 'Artist A', start: T - 60_000, end: T + 12_000 },
      { title: 'Bravo & <Co>', artist: 'Artist B', start: T + 12_000, end: T + 28_000 },
      { title: 'Charlie', artist: '', start: T + 28_000, end: T + 50_000 },
      { title: 'Later', artist: '', start: T + 50_000, end: T + 60_000 }
    ];
    for (const p of plays) {
      const item = { kind: 'track', assetId: null, itemId: null, requestId: null, cueIn: 0, fadeIn: 0, fadeOut: 0, blockId: null, playlistId: null, show: '', prompt: null, reason: 'test', alert: false, ...p };
      const r = await request(`${jobPath}/played`, { method: 'POST', body: JSON.stringify(item), headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(200);
    }

    // Two shows on the schedule (co-edited in the document as the studio does): one aired within the recordings,
    // one began before them.
    const client = connectClient(server.wsUrl, team.projectId, team.editor.token);
    await client.synced;
    const at = (ms: number) => ({ startMinute: (ms % 86_400_000) / 60_000, dates: [new Date(ms).toISOString().slice(0, 10)], weekdays: [], timezone: 'UTC' });
    new ProjectDoc(client.doc).transact(userOrigin(team.editor.id), (d) => {
      for (const [name, start, minutes] of [['Minute Show', T, 1], ['Early Show', T - 60_000, 2]] as const) {
        const made = sc.createBlock(d.schedule.snapshot(), { name, durationMinutes: minutes, ...at(start) });
        if (!made.ok) throw new Error(made.reason);
        d.schedule.apply(made.changes);
      }
    });
    let recs = await api<RecordingsJson>(server, 'GET', `/api/channels/${channel.id}/recordings`, { token: team.viewer.token });
    await waitFor(async () => (recs = await api<RecordingsJson>(server, 'GET', `/api/channels/${channel.id}/recordings`, { token: team.viewer.token })).body.shows.length === 2, 'the shows listed');
    client.destroy();
    expect(recs.status).toBe(200);
    expect(recs.body.recordings.map((r) => [r.name, r.start])).toEqual([
      [recName(T), T],
      [recName(T + 20_000), T + 20_000],
      [recName(T + 40_000), T + 40_000]
    ]);
    expect(Math.abs(recs.body.recordings[2].end - (T + 60_000))).toBeLessThan(500);
    expect(recs.body.shows.map((s) => [s.name, s.start, s.end, s.complete])).toEqual([
      ['Early Show', T - 60_000, T + 60_000, false],
      ['Minute Show', T, T + 60_000, true]
    ]);
    // Members play a recording (with ranges); others cannot.
    const recUrl = `${server.url}${recs.body.recordings[0].url}`;
    const recPart = await fetch(recUrl, { headers: { authorization: `Bearer ${team.viewer.token}`, range: 'bytes=0-9' } });
    expect(recPart.status).toBe(206);
    expect((await recPart.arrayBuffer()).byteLength).toBe(10);
    expect((await fetch(recUrl, { headers: { authorization: `Bearer ${team.outsider.token}` } })).status).toBe(404);

    const podcast = (await api<{ podcasts: PodcastJson[] }>(server, 'GET', `/api/channels/${channel.id}/podcasts`, { token: team.viewer.token })).body.podcasts[0];
    const make = (body: unknown, token = team.editor.token) => api<PodcastEpisodeJson>(server, 'POST', `/api/podcasts/${podcast.id}/episodes`, { token, body });
    // Across both files: 5 s into the first to 15 s into the second.
    const ep = await make({ source: 'recording', start: T + 5_000, end: T + 35_000, title: 'Hour one' });
    expect(ep.status, JSON.stringify(ep.body)).toBe(201);
    expect(ep.body.mime).toBe('audio/mp4');
    expect(ep.body.url).toBe(`${origin}/podcasts/${podcast.slug}/episodes/${ep.body.id}.m4a`);
    expect(ep.body.chapterCount).toBe(3);
    expect(ep.body.publishAt).toBe(T + 35_000);

    // The enclosure as a member fetches it (the podcast is not published yet): whole, and by range.
    const auth = { authorization: `Bearer ${team.viewer.token}` };
    const whole = await fetch(ep.body.url, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/mp4');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(bytes.length).toBe(ep.body.bytes);
    expect(Number(whole.headers.get('content-length'))).toBe(ep.body.bytes);
    const part = await fetch(ep.body.url, { headers: { ...auth, range: 'bytes=100-1099' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${ep.body.bytes}`);
    expect(Number(part.headers.get('content-length'))).toBe(1000);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);
    const beyond = await fetch(ep.body.url, { headers: { ...auth, range: `bytes=${ep.body.bytes + 10}-` } });
    expect(beyond.status).toBe(416);

    const file = path.join(dir, 'episode.m4a');
    fs.writeFileSync(file, bytes);
    const p = await probe(file);
    expect(Math.abs(p.duration - 30)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(ep.body.duration - 30)).toBeLessThanOrEqual(0.5);
    // The chapters: what aired in the range, from the play log (Alpha was already playing at the start).
    const expected = [
      { startTime: 0, title: 'Artist A — Alpha' },
      { startTime: 7, title: 'Artist B — Bravo & <Co>' },
      { startTime: 23, title: 'Charlie' }
    ];
    const ch = await fetch(ep.body.chaptersUrl!, { headers: auth });
    expect(ch.status).toBe(200);
    expect(ch.headers.get('content-type')).toBe('application/json+chapters');
    expect(await ch.json()).toEqual({ version: '1.2.0', chapters: expected });
    // …and embedded in the file itself.
    expect(p.chapters.map((c) => c.title)).toEqual(expected.map((c) => c.title));
    for (const [i, c] of p.chapters.entries()) expect(Math.abs(c.start - expected[i].startTime)).toBeLessThan(0.1);

    // Ranges the recordings do not cover, and bad ranges.
    expectApiError(await make({ source: 'recording', start: T + 30_000, end: T + 90_000, title: 'Too far' }), 409, 'not_recorded');
    // A whole show, as the card picks it: one minute across the three files.
    const shown = await make({ source: 'recording', start: T, end: T + 60_000, title: 'Minute Show' });
    expect(shown.status, JSON.stringify(shown.body)).toBe(201);
    expect(Math.abs(shown.body.duration - 60)).toBeLessThanOrEqual(0.5);
    expect((await api(server, 'DELETE', `/api/podcasts/${podcast.id}/episodes/${shown.body.id}`, { token: team.editor.token })).status).toBe(204);
    expectApiError(await make({ source: 'recording', start: T - 90_000, end: T + 10_000, title: 'Too early' }), 409, 'not_recorded');
    expectApiError(await make({ source: 'recording', start: T + 10_000, end: T + 5_000, title: 'Backwards' }), 400, 'invalid_input');
    expectApiError(await make({ source: 'recording', start: T, end: T + 25 * 3600_000, title: 'Too long' }), 400, 'invalid_input');
    expectApiError(await make({ source: 'tape', start: T, end: T + 5_000, title: 'What' }), 400, 'invalid_input');
    expectApiError(await make({ source: 'recording', start: T, end: T + 5_000, title: 'Viewer' }, team.viewer.token), 403);
  }, 120_000);

  it('serves a feed that is private until published, well-formed with hostile text, with what Apple Podcasts requires', async () => {
    const podcast = (await api<{ podcasts: PodcastJson[] }>(server, 'GET', `/api/channels/${channel.id}/podcasts`, { token: team.viewer.token })).body.podcasts[0];
    const feedUrl = podcast.feedUrl;
    expectApiError(await api(server, 'GET', `/podcasts/${podcast.slug}/feed.xml`), 404);
    expect((await fetch(feedUrl, { headers: { authorization: `Bearer ${team.viewer.token}` } })).status).toBe(200);

    const make = (body: unknown) => api<PodcastEpisodeJson>(server, 'POST', `/api/podcasts/${podcast.id}/episodes`, { token: team.editor.token, body });
    expectApiError(await make({ source: 'asset', assetId: cover.id }), 400, 'not_audio');
    expectApiError(await make({ source: 'asset', assetId: 'bbbbbbbbbbbbbbbb' }), 400, 'unknown_asset');
    const hostile = '<script>alert("x")</script> & Friends\' "Special"';
    const fromAsset = await make({ source: 'asset', assetId: song.id, title: hostile, description: 'An <b>interview</b> & more', publishAt: T + 3600_000 });
    expect(fromAsset.status, JSON.stringify(fromAsset.body)).toBe(201);
    expect(fromAsset.body.mime).toBe('audio/mpeg');
    expect(fromAsset.body.url.endsWith('.mp3')).toBe(true);
    expect(Math.abs(fromAsset.body.duration - 6)).toBeLessThanOrEqual(0.5);
    const renamed = await api(server, 'PATCH', `/api/podcasts/${podcast.id}`, { token: team.editor.token, body: { title: `Morning ${hostile}`, published: true } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);

    const res = await fetch(feedUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<script>');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, processEntities: true }).parse(xml);
    const rss = doc.rss;
    expect(rss['@version']).toBe('2.0');
    expect(rss['@xmlns:itunes']).toBe('http://www.itunes.com/dtds/podcast-1.0.dtd');
    expect(rss['@xmlns:podcast']).toBe('https://podcastindex.org/namespace/1.0');
    const c = rss.channel;
    // Apple's required channel tags: title, description, itunes:image, language, itunes:category, itunes:explicit.
    expect(c.title).toBe(`Morning ${hostile}`);
    expect(c.description).toBe('The best of the morning.');
    expect(c.language).toBe('en');
    expect(c['itunes:image']['@href']).toBe(`${origin}/podcasts/${podcast.slug}/artwork.jpg`);
    expect(c['itunes:category']['@text']).toBe('Music');
    expect(c['itunes:explicit']).toBe('false');
    expect(c['itunes:author']).toBe('Podcast FM');
    expect(c['atom:link']['@href']).toBe(feedUrl);
    expect(String(c.link).startsWith(origin)).toBe(true);
    const items = c.item as Record<string, any>[];
    expect(items).toHaveLength(2);
    // Newest first: the asset episode is dated an hour after the recording's.
    const [a, b] = items;
    expect(a.title).toBe(hostile);
    expect(a.description).toBe('An <b>interview</b> & more');
    expect(a.guid['#text']).toBe(fromAsset.body.id);
    expect(a.enclosure['@type']).toBe('audio/mpeg');
    expect(b.enclosure['@type']).toBe('audio/mp4');
    for (const item of items) {
      expect(item.pubDate).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(item['itunes:duration']).toMatch(/^\d{2}:\d{2}:\d{2}$/);
      const url = item.enclosure['@url'] as string;
      expect(url.startsWith(`${origin}/podcasts/${podcast.slug}/episodes/`)).toBe(true);
      // Anyone's podcast app now: the length the feed states is what a HEAD and a range request answer.
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(item.enclosure['@length']));
      expect(head.headers.get('content-type')).toBe(item.enclosure['@type']);
      const ranged = await fetch(url, { headers: { range: 'bytes=0-1' } });
      expect(ranged.status).toBe(206);
    }
    expect(b['itunes:duration']).toBe('00:00:30');
    expect(b['podcast:chapters']['@url']).toMatch(/\/chapters\.json$/);
    expect(b['podcast:chapters']['@type']).toBe('application/json+chapters');
    expect((await fetch(b['podcast:chapters']['@url'])).status).toBe(200);
    expect((await fetch(c['itunes:image']['@href'])).status).toBe(200);

    // Unpublishing an episode takes it out of the feed and its file off the public web (members still reach it).
    const off = await api(server, 'PATCH', `/api/podcasts/${podcast.id}/episodes/${fromAsset.body.id}`, { token: team.editor.token, body: { published: false } });
    expect(off.status).toBe(200);
    const after = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(await (await fetch(feedUrl)).text());
    expect(after.rss.channel.item.title).toBe('Hour one');
    expect((await fetch(fromAsset.body.url)).status).toBe(404);
    expect((await fetch(fromAsset.body.url, { headers: { authorization: `Bearer ${team.viewer.token}` } })).status).toBe(200);
    expectApiError(await api(server, 'PATCH', `/api/podcasts/${podcast.id}/episodes/${fromAsset.body.id}`, { token: team.editor.token, body: { title: '' } }), 400, 'invalid_input');

    const listed = await api<{ episodes: PodcastEpisodeJson[] }>(server, 'GET', `/api/podcasts/${podcast.id}/episodes`, { token: team.viewer.token });
    expect(listed.body.episodes.map((e) => [e.title, e.published])).toEqual([
      [hostile, false],
      ['Hour one', true]
    ]);

    // Deleting the podcast takes its feed and files with it.
    expectApiError(await api(server, 'DELETE', `/api/podcasts/${podcast.id}`, { token: team.viewer.token }), 403);
    expect((await api(server, 'DELETE', `/api/podcasts/${podcast.id}`, { token: team.editor.token })).status).toBe(204);
    expect((await fetch(feedUrl)).status).toBe(404);
    expect(fs.existsSync(path.join(server.dataDir, 'podcasts', channel.id, podcast.id))).toBe(false);
    expect(fs.existsSync(path.join(server.dataDir, 'podcasts', channel.id))).toBe(true);
    // Deleting the channel takes the files of all its podcasts.
    const other = await api<PodcastJson>(server, 'POST', `/api/channels/${channel.id}/podcasts`, { token: team.editor.token, body: { ...base(), artworkAssetId: cover.id } });
    expect(other.status).toBe(201);
    expect(fs.existsSync(path.join(server.dataDir, 'podcasts', channel.id, other.body.id))).toBe(true);
    expect((await api(server, 'DELETE', `/api/channels/${channel.id}`, { token: team.editor.token })).status).toBe(204);
    await waitFor(() => !fs.existsSync(path.join(server.dataDir, 'podcasts', channel.id)), 'the channel\'s podcast files removed');
    expectApiError(await api(server, 'GET', `/api/podcasts/${other.body.id}`, { token: team.editor.token }), 404);
  }, 60_000);
});
