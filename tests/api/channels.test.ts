import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTeam, expectApiError, type Team } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';
import { startServer, type RunningServer } from '../helpers/server';

// PostgreSQL runs where the suite has one (npm test sets TEST_DATABASE_URL).
const KINDS = process.env.TEST_DATABASE_URL ? DIALECTS : (['sqlite'] as const);

const ICECAST = { host: 'icecast.example.org', port: 8000, mount: '/live.mp3', username: 'source', password: 'hackme-icecast-9876', format: 'mp3', bitrate: 128 };
const YT_KEY = 'abcd-efgh-ijkl-mnop-5555';

describe.each(KINDS)('channels API on %s', (kind) => {
  let database: TestDatabase | undefined;
  let server: RunningServer;
  let team: Team;
  const call = (method: string, path: string, token: string | undefined, body?: unknown) => api(server, method, path, { token, body });
  let slugCounter = 0;
  const slug = (base: string) => `${base}-${kind}-${process.pid.toString(36)}-${slugCounter++}`;

  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('postgres');
    server = await startServer({ databaseUrl: database?.url });
    team = await createTeam(server, `Station ${kind}`);
  });
  afterAll(async () => {
    await server?.destroy();
    await database?.drop();
  });

  it('creates, reads, lists, updates and deletes a channel; the stream key is shown once', async () => {
    const s = slug('night-owl');
    const created = await call('POST', `/api/projects/${team.projectId}/channels`, team.editor.token, {
      name: 'Night Owl FM',
      slug: s,
      kind: 'audio',
      visibility: 'public',
      crossfadeSeconds: 4,
      loudnessTarget: -14,
      fallbackPlaylistId: 'pl_fallback1',
      requestsEnabled: true,
      requestDelayMinutes: 5,
      minRepeatMinutes: 90,
      slowModeSeconds: 3,
      recordingEnabled: true,
      recordingRetentionDays: 14,
      outputs: { icecast: ICECAST, rtmp: [{ name: 'YouTube', preset: 'youtube', streamKey: YT_KEY }] }
    });
    expect(created.status).toBe(201);
    const c = created.body;
    expect(c).toMatchObject({ name: 'Night Owl FM', slug: s, kind: 'audio', visibility: 'public', crossfadeSeconds: 4, loudnessTarget: -14, fallbackPlaylistId: 'pl_fallback1' });
    expect(c).toMatchObject({ requestsEnabled: true, requestDelayMinutes: 5, minRepeatMinutes: 90, chatEnabled: true, slowModeSeconds: 3, recordingEnabled: true, recordingRetentionDays: 14 });
    expect(c.outputs.hls).toEqual({ enabled: true });
    expect(c.outputs.icecast).toEqual({ host: ICECAST.host, port: 8000, mount: '/live.mp3', username: 'source', format: 'mp3', bitrate: 128, passwordHint: '••••9876' });
    expect(c.outputs.rtmp).toEqual([{ id: expect.any(String), name: 'YouTube', preset: 'youtube', url: 'rtmp://a.rtmp.youtube.com/live2', streamKeyHint: '••••5555' }]);
    expect(c.streamKey).toMatch(new RegExp(`^${c.id}\\.[a-z0-9]{32}$`));
    expect(c.streamKeyHint).toBe(`••••${c.streamKey.slice(-4)}`);

    const read = await call('GET', `/api/channels/${c.id}`, team.viewer.token);
    expect(read.status).toBe(200);
    expect(read.body.streamKey).toBeUndefined();
    expect(read.body.slug).toBe(s);
    const list = await call('GET', `/api/projects/${team.projectId}/channels`, team.viewer.token);
    expect(list.body.channels.map((x: { id: string }) => x.id)).toContain(c.id);

    const patched = await call('PATCH', `/api/channels/${c.id}`, team.owner.token, { name: 'Night Owl Radio', visibility: 'private', chatEnabled: false, kind: 'video' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Night Owl Radio', visibility: 'private', chatEnabled: false, kind: 'video', crossfadeSeconds: 4 });
    expect((await call('GET', `/api/channels/${c.id}`, team.editor.token)).body.name).toBe('Night Owl Radio');

    expect((await call('DELETE', `/api/channels/${c.id}`, team.editor.token)).status).toBe(204);
    expectApiError(await call('GET', `/api/channels/${c.id}`, team.owner.token), 404, 'not_found');
  });

  it('never returns secrets; an empty secret on update keeps the stored one, a new value replaces it', async () => {
    const c = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'Secret FM', slug: slug('secret'), outputs: { icecast: ICECAST, rtmp: [{ name: 'Twitch', preset: 'twitch', streamKey: 'live_123456_twitchkey' }] } })).body;
    const rtmpId = c.outputs.rtmp[0].id;
    const kept = await call('PATCH', `/api/channels/${c.id}`, team.editor.token, {
      outputs: { icecast: { ...ICECAST, password: '', bitrate: 192 }, rtmp: [{ id: rtmpId, name: 'Twitch main', preset: 'twitch', streamKey: '' }, { name: 'Mirror', preset: 'custom', url: 'rtmps://mirror.example.org/app', streamKey: 'mirror-key-0042' }] }
    });
    expect(kept.status).toBe(200);
    expect(kept.body.outputs.icecast).toMatchObject({ bitrate: 192, passwordHint: '••••9876' });
    expect(kept.body.outputs.rtmp).toEqual([
      { id: rtmpId, name: 'Twitch main', preset: 'twitch', url: 'rtmp://live.twitch.tv/app', streamKeyHint: '••••hkey' },
      { id: expect.any(String), name: 'Mirror', preset: 'custom', url: 'rtmps://mirror.example.org/app', streamKeyHint: '••••0042' }
    ]);
    const replaced = await call('PATCH', `/api/channels/${c.id}`, team.editor.token, { outputs: { icecast: { ...ICECAST, password: 'brand-new-pass-7777' } } });
    expect(replaced.body.outputs.icecast.passwordHint).toBe('••••7777');
    // The RTMP list was not sent, so it stays.
    expect(replaced.body.outputs.rtmp).toHaveLength(2);

    for (const path of [`/api/channels/${c.id}`, `/api/projects/${team.projectId}/channels`]) {
      const text = JSON.stringify((await call('GET', path, team.owner.token)).body);
      for (const secret of ['hackme-icecast-9876', 'brand-new-pass-7777', 'live_123456_twitchkey', 'mirror-key-0042', c.streamKey.split('.')[1]]) expect(text).not.toContain(secret);
    }
    const noKey = await call('PATCH', `/api/channels/${c.id}`, team.editor.token, { outputs: { rtmp: [{ name: 'Keyless', preset: 'youtube' }] } });
    expectApiError(noKey, 400, 'invalid_input');
    expect(noKey.body.error.message).toContain('needs a stream key');
    expectApiError(await call('PATCH', `/api/channels/${c.id}`, team.editor.token, { outputs: { rtmp: [{ name: 'Bad', url: 'http://x.example/', streamKey: 'k' }] } }), 400, 'invalid_input');
  });

  it('rotating the stream key shows a new key once and changes the hint', async () => {
    const c = (await call('POST', `/api/projects/${team.projectId}/channels`, team.editor.token, { name: 'Rotate FM', slug: slug('rotate') })).body;
    expectApiError(await call('POST', `/api/channels/${c.id}/stream-key`, team.viewer.token), 403, 'forbidden');
    const rotated = await call('POST', `/api/channels/${c.id}/stream-key`, team.editor.token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.streamKey).toMatch(new RegExp(`^${c.id}\\.[a-z0-9]{32}$`));
    expect(rotated.body.streamKey).not.toBe(c.streamKey);
    expect((await call('GET', `/api/channels/${c.id}`, team.owner.token)).body.streamKeyHint).toBe(`••••${rotated.body.streamKey.slice(-4)}`);
  });

  it('viewers read but cannot change; outsiders and anonymous callers learn nothing', async () => {
    const c = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'Access FM', slug: slug('access') })).body;
    expectApiError(await call('POST', `/api/projects/${team.projectId}/channels`, team.viewer.token, { name: 'Nope', slug: slug('nope') }), 403, 'forbidden');
    expectApiError(await call('PATCH', `/api/channels/${c.id}`, team.viewer.token, { name: 'Hijacked' }), 403, 'forbidden');
    expectApiError(await call('DELETE', `/api/channels/${c.id}`, team.viewer.token), 403, 'forbidden');
    for (const [method, path] of [['GET', `/api/channels/${c.id}`], ['PATCH', `/api/channels/${c.id}`], ['DELETE', `/api/channels/${c.id}`], ['GET', `/api/projects/${team.projectId}/channels`], ['POST', `/api/channels/${c.id}/stream-key`]]) {
      expectApiError(await call(method, path, team.outsider.token, method === 'PATCH' ? { name: 'x' } : undefined), 404, 'not_found');
      expectApiError(await call(method, path, undefined, method === 'PATCH' ? { name: 'x' } : undefined), 401, 'unauthorized');
    }
    expect((await call('GET', `/api/channels/${c.id}`, team.owner.token)).body.name).toBe('Access FM');
  });

  it('the public endpoint shows public channels to anyone and private ones to members only', async () => {
    const s = slug('public');
    const c = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'Open FM', slug: s, requestsEnabled: true, outputs: { icecast: ICECAST } })).body;
    const anon = await call('GET', `/api/channels/by-slug/${s}`, undefined);
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ name: 'Open FM', slug: s, kind: 'audio', chatEnabled: true, requestsEnabled: true });
    await call('PATCH', `/api/channels/${c.id}`, team.owner.token, { visibility: 'private' });
    expectApiError(await call('GET', `/api/channels/by-slug/${s}`, undefined), 404, 'not_found');
    expectApiError(await call('GET', `/api/channels/by-slug/${s}`, team.outsider.token), 404, 'not_found');
    expect((await call('GET', `/api/channels/by-slug/${s}`, team.viewer.token)).body.name).toBe('Open FM');
    expectApiError(await call('GET', `/api/channels/by-slug/no-such-channel-${kind}`, undefined), 404, 'not_found');
  });

  it('GET /api/channels/:slug/now-playing answers off air for anyone on a public channel, and hides private ones by slug and by id', async () => {
    const s = slug('now');
    const c = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'Now FM', slug: s, visibility: 'public' })).body;
    const anon = await call('GET', `/api/channels/${s}/now-playing`, undefined);
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ channel: { name: 'Now FM', slug: s }, live: false, now: null, next: [], listeners: 0 });
    expect((await call('GET', `/api/channels/by-slug/${s}/now-playing`, undefined)).body).toEqual(anon.body);
    expect((await call('GET', `/api/channels/${c.id}/now-playing`, undefined)).body.channel).toEqual({ name: 'Now FM', slug: s });

    await call('PATCH', `/api/channels/${c.id}`, team.owner.token, { visibility: 'private' });
    expectApiError(await call('GET', `/api/channels/${s}/now-playing`, undefined), 404, 'not_found');
    expectApiError(await call('GET', `/api/channels/${c.id}/now-playing`, team.outsider.token), 404, 'not_found');
    expect((await call('GET', `/api/channels/${c.id}/now-playing`, team.viewer.token)).body.channel.slug).toBe(s);
    expectApiError(await call('GET', `/api/channels/no-such-channel-${kind}/now-playing`, undefined), 404, 'not_found');
  });

  it('slugs are unique instance-wide (409 with a message), and hostile or reserved slugs are refused', async () => {
    const s = slug('taken');
    expect((await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'First', slug: s })).status).toBe(201);
    const other = await createTeam(server, 'Other station');
    const clash = await call('POST', `/api/projects/${other.projectId}/channels`, other.owner.token, { name: 'Second', slug: s });
    expectApiError(clash, 409, 'slug_taken');
    expect(clash.body.error.message).toContain(s);
    const second = (await call('POST', `/api/projects/${other.projectId}/channels`, other.owner.token, { name: 'Second', slug: slug('second') })).body;
    expectApiError(await call('PATCH', `/api/channels/${second.id}`, other.owner.token, { slug: s }), 409, 'slug_taken');

    for (const bad of ['../../etc/passwd', 'Night-Owl', 'a', '-edge-', 'api', 'live', '<script>', 'x'.repeat(49), 'emoji-🦉', 'space here']) {
      const r = await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: 'Hostile', slug: bad });
      expectApiError(r, 400, 'invalid_input');
      expect(r.body.error.message).toMatch(/slug/i);
    }
    expectApiError(await call('GET', `/api/channels/by-slug/${encodeURIComponent('../../x')}`, undefined), 404);
  });

  it('derives a slug from the name when none is sent, avoiding taken ones', async () => {
    const a = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: `Café Ünïcode ${kind}` })).body;
    const b = (await call('POST', `/api/projects/${team.projectId}/channels`, team.owner.token, { name: `Café Ünïcode ${kind}` })).body;
    expect(a.slug).toBe(`cafe-unicode-${kind}`);
    expect(b.slug).toBe(`cafe-unicode-${kind}-2`);
  });

  it('bad input gets a 400 that says what is wrong', async () => {
    const path = `/api/projects/${team.projectId}/channels`;
    const malformed = await api(server, 'POST', path, { token: team.owner.token, raw: '{"name": "Broken' });
    expectApiError(malformed, 400, 'invalid_json');
    expect(malformed.body.error.message).toMatch(/JSON/);
    const cases: [unknown, RegExp][] = [
      [{ slug: slug('noname') }, /name/],
      [{ name: 'X', kind: 'podcast' }, /kind/],
      [{ name: 'X', loudnessTarget: 3 }, /loudnessTarget/],
      [{ name: 'X', fallbackPlaylistId: 42 }, /fallbackPlaylistId/],
      [{ name: 'X', outputs: { icecast: { ...ICECAST, port: 70000 } } }, /port/],
      [{ name: 'X', outputs: { icecast: { ...ICECAST, format: 'ogg' } } }, /format/],
      [{ name: 'X', surprise: true }, /surprise/]
    ];
    for (const [body, message] of cases) {
      const r = await call('POST', path, team.owner.token, body);
      expectApiError(r, 400, 'invalid_input');
      expect(r.body.error.message).toMatch(message);
    }
    const c = (await call('POST', path, team.owner.token, { name: 'Valid', slug: slug('valid') })).body;
    expectApiError(await call('PATCH', `/api/channels/${c.id}`, team.owner.token, {}), 400, 'invalid_input');
    expectApiError(await call('GET', '/api/channels/not-an-id', team.owner.token), 404, 'not_found');
  });
});
