/**
 * The live output across two web processes (each its own DATA_DIR) sharing one PostgreSQL database and one S3 bucket
 * (s3rver): a worker holding the live job's lease on A uploads HLS files and a recording through A, as the live worker
 * does; listeners on B get the stream with the same headers, and the podcast routes on B read the recording.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerClient, JobContext } from '../../workers/worker-client';
import { api, createTeam, type Team } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { leaseHoldingWorker } from '../helpers/live-channel';
import { ffmpeg, filesUnder, sha256, sine, tempDir } from '../helpers/media';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';
import { dropRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis';
import { startServer, type RunningServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';

const playlist = (first: number, count: number) =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${first}\n` +
  Array.from({ length: count }, (_, i) => `#EXTINF:2.000000,\nseg-${first + i}.ts\n`).join('');
const recName = (ms: number) => `rec-${new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.m4a`;

const prefix = testRedisPrefix('live-two');
let s3: RunningS3;
let database: TestDatabase;
let a: RunningServer;
let b: RunningServer;
let team: Team;
let dir: string;
let worker: WorkerClient | undefined;
let lease: JobContext;
let channel: { id: string; slug: string };

beforeAll(async () => {
  dir = await tempDir('live-two-processes');
  s3 = await startS3rver();
  database = await createTestDatabase('postgres');
  // A first, alone: it applies the migrations B then finds done.
  // One Redis too: which job is on air, and its health, are shared there.
  const env = { ...s3.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
  a = await startServer({ databaseUrl: database.url, env });
  b = await startServer({ databaseUrl: database.url, env });
  team = await createTeam(a, 'Live on two');
  const created = await api(a, 'POST', `/api/projects/${team.projectId}/channels`, { token: team.owner.token, body: { name: 'Two FM', visibility: 'public', recordingEnabled: true } });
  expect(created.status).toBe(201);
  channel = created.body;
  const held = await leaseHoldingWorker(a, team.owner, 'live on A');
  worker = held.worker;
  expect((await api(a, 'POST', `/api/channels/${channel.id}/live`, { token: team.owner.token, body: { action: 'start' } })).status).toBe(202);
  await waitFor(() => held.lease() !== undefined, 'the live job on the worker', 20_000);
  lease = held.lease()!;
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await a?.destroy();
  await b?.destroy();
  await database?.drop();
  await s3?.close();
  await dropRedisPrefix(prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A PUT through A with the job's lease, as the live worker sends its files. */
async function put(what: 'hls' | 'recordings', name: string, body: Uint8Array<ArrayBuffer> | string, type: string): Promise<void> {
  const r = await lease.request!(`/api/worker/jobs/${lease.job.id}/${what}/${name}`, { method: 'PUT', body, headers: { 'content-type': type } });
  expect(r.status, await r.clone().text()).toBe(201);
}

const listen = (server: RunningServer, name: string, init: RequestInit = {}) => fetch(`${server.url}/live/${channel.slug}/${name}`, init);

describe('live output through a shared bucket', () => {
  it('HLS files put through A are served by B with the same headers', async () => {
    const segments = [900, 901, 902].map((n) => ({ n, bytes: Buffer.alloc(188 * 20, n % 256) }));
    for (const s of segments) await put('hls', `seg-${s.n}.ts`, new Uint8Array(s.bytes), 'video/mp2t');
    await put('hls', 'index.m3u8', playlist(900, 3), 'application/vnd.apple.mpegurl');

    for (const server of [b, a]) {
      const list = await listen(server, 'index.m3u8');
      expect(list.status).toBe(200);
      expect(list.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(list.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
      expect(list.headers.get('access-control-allow-origin')).toBe('*');
      const text = await list.text();
      expect(text).toContain('seg-900.ts');
      expect(text).toContain('seg-902.ts');

      const seg = await listen(server, 'seg-901.ts');
      expect(seg.status).toBe(200);
      expect(seg.headers.get('content-type')).toBe('video/mp2t');
      expect(seg.headers.get('cache-control')).toBe('public, max-age=60');
      expect(seg.headers.get('access-control-allow-origin')).toBe('*');
      expect(seg.headers.get('content-length')).toBe(String(188 * 20));
      expect(sha256(Buffer.from(await seg.arrayBuffer()))).toBe(sha256(segments[1].bytes));
      const head = await listen(server, 'seg-901.ts', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(188 * 20));
    }
    expect((await listen(b, 'seg-899.ts')).status).toBe(404);

    // In the bucket, not in either process's own folder.
    expect((await s3.keys(`live/${channel.id}/`)).sort()).toEqual([`live/${channel.id}/index.m3u8`, ...segments.map((s) => `live/${channel.id}/seg-${s.n}.ts`)]);
    for (const s of [a, b]) expect(filesUnder(path.join(s.dataDir, 'live'))).toEqual([]);
  });

  it('a new playlist reaches B within its second in memory, and segments it no longer lists are pruned from the bucket', async () => {
    for (const n of [903, 904, 905, 906, 907, 908]) await put('hls', `seg-${n}.ts`, new Uint8Array(Buffer.alloc(188, n % 256)), 'video/mp2t');
    // The worker's list slides on to 903–908; the served window (six segments) drops 900–902.
    await put('hls', 'index.m3u8', playlist(903, 6), 'application/vnd.apple.mpegurl');
    let served = '';
    await waitFor(async () => (served = await (await listen(b, 'index.m3u8')).text()).includes('seg-908.ts'), 'B serves the new playlist', 5000);
    expect(served).toContain('seg-903.ts');
    expect(served).not.toContain('seg-902.ts');
    // Two segments behind the window stay for players still fetching them; older ones go.
    const keys = await s3.keys(`live/${channel.id}/seg-`);
    expect(keys.map((k) => k.split('/').pop()).sort()).toEqual(['seg-901.ts', 'seg-902.ts', 'seg-903.ts', 'seg-904.ts', 'seg-905.ts', 'seg-906.ts', 'seg-907.ts', 'seg-908.ts']);
    expect((await listen(b, 'seg-900.ts')).status).toBe(404);
  });

  it('a private channel is served by B only to members, with nothing for shared caches', async () => {
    expect((await api(b, 'PATCH', `/api/channels/${channel.id}`, { token: team.owner.token, body: { visibility: 'private' } })).status).toBe(200);
    try {
      expect((await listen(b, 'index.m3u8')).status).toBe(404);
      const member = await listen(b, 'index.m3u8', { headers: { authorization: `Bearer ${team.viewer.token}` } });
      expect(member.status).toBe(200);
      expect(member.headers.get('cache-control')).toBe('private, no-cache');
      expect(member.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      expect((await api(b, 'PATCH', `/api/channels/${channel.id}`, { token: team.owner.token, body: { visibility: 'public' } })).status).toBe(200);
    }
  });

  it('a recording put through A is listed, played by Range and cut into an episode on B', async () => {
    const T = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
    const file = path.join(dir, recName(T));
    await ffmpeg(...sine(6, 440), '-c:a', 'aac', '-b:a', '96k', '-f', 'ipod', file);
    const bytes = fs.readFileSync(file);
    await put('recordings', path.basename(file), new Uint8Array(bytes), 'audio/mp4');
    expect(await s3.keys(`recordings/${channel.id}/`)).toEqual([`recordings/${channel.id}/${path.basename(file)}`]);
    for (const s of [a, b]) expect(filesUnder(path.join(s.dataDir, 'recordings'))).toEqual([]);

    const recs = await api(b, 'GET', `/api/channels/${channel.id}/recordings`, { token: team.viewer.token });
    expect(recs.status).toBe(200);
    expect(recs.body.recordings).toHaveLength(1);
    const rec = recs.body.recordings[0];
    expect(rec).toMatchObject({ name: path.basename(file), start: T, bytes: bytes.length });
    expect(Math.abs(rec.end - (T + 6000))).toBeLessThan(200);

    const part = await fetch(`${b.url}${rec.url}`, { headers: { authorization: `Bearer ${team.viewer.token}`, range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);

    const podcast = await api(b, 'POST', `/api/channels/${channel.id}/podcasts`, { token: team.editor.token, body: { title: 'Two Show', description: 'Cut on B.', author: 'Two FM', category: 'Music' } });
    expect(podcast.status, JSON.stringify(podcast.body)).toBe(201);
    const episode = await api(b, 'POST', `/api/podcasts/${podcast.body.id}/episodes`, { token: team.editor.token, body: { source: 'recording', start: T + 1000, end: T + 4000, title: 'Three seconds' } });
    expect(episode.status, JSON.stringify(episode.body)).toBe(201);
    expect(episode.body.mime).toBe('audio/mp4');
  });

  it('a recording under a name that is not a recording name is refused with a clear 400, and nothing lands in the bucket', async () => {
    const r = await lease.request!(`/api/worker/jobs/${lease.job.id}/recordings/..%2Fescape.m4a`, { method: 'PUT', body: 'x', headers: { 'content-type': 'audio/mp4' } });
    expect(r.status).toBe(400);
    expect((await r.json()).error.code).toBe('invalid_input');
    expect((await s3.keys('recordings/')).every((k) => k.startsWith(`recordings/${channel.id}/rec-`))).toBe(true);
    expect((await api(b, 'GET', '/health')).body.status).toBe('ok');
  });

  it('the dashboard and now playing on B see the air and health the worker reports through A', async () => {
    const status = async (server: RunningServer) => (await api(server, 'GET', `/api/channels/${channel.id}/live`, { token: team.owner.token })).body;
    await put('hls', 'seg-909.ts', new Uint8Array(Buffer.alloc(188 * 4, 1)), 'video/mp2t');
    await put('hls', 'index.m3u8', playlist(904, 6), 'application/vnd.apple.mpegurl');
    const report = { silent: true, emergency: false, message: 'silence on air for 5 s', outputs: [] };
    const r = await lease.request!(`/api/worker/jobs/${lease.job.id}/health`, { method: 'POST', body: JSON.stringify(report), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    for (const server of [b, a]) {
      const s = await status(server);
      expect(s.state).toBe('on-air');
      expect(s.hlsUrl).toBe(`/live/${channel.slug}/index.m3u8`);
      expect(s.health).toMatchObject({ silent: true, message: 'silence on air for 5 s' });
      expect((await api(server, 'GET', `/api/channels/by-slug/${channel.slug}/now-playing`, { token: team.owner.token })).body.live).toBe(true);
    }
  });
});
