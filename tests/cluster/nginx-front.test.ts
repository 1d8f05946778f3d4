import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '$lib/server/db/database';
import { DocLogRepository } from '$lib/server/yjs/doc-log.repository';
import { runNginx, type RunningNginx } from '../../bench/lib/nginx';
import { api, createProject, signup, uniqueName, TEST_PASSWORD, type TestUser } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { dropRedisPrefix, testRedisPrefix, TEST_REDIS_URL } from '../helpers/redis';
import { startS3rver, type RunningS3 } from '../helpers/s3rver';
import { startServer, type RunningServer } from '../helpers/server';
import { tusJsUpload } from '../helpers/tus';
import { ffmpeg, sha256, sine, tempDir } from '../helpers/media';
import { connectClient, notes, waitFor, type YClient } from '../helpers/yclient';
import { rebuild } from '../helpers/ydoc';

const DEPLOY_CONF = path.resolve(import.meta.dirname, '../../docs/deploy/nginx.conf');

/** docs/deploy/nginx.conf with only its marked lines changed: the web processes, the listening port, the cache folder. */
function deployConfig(webPorts: number[], port: number, cacheDir: string): string {
  const conf = fs.readFileSync(DEPLOY_CONF, 'utf8');
  const swaps: Array<[RegExp, (line: string) => string]> = [
    // Each upstream's first @web line becomes one line per process (keeping its parameters); the others go.
    [/^( *server )127\.0\.0\.1:3001( [^;]*)?;  # @web$/gm, (line) => webPorts.map((p) => line.replace('127.0.0.1:3001', `127.0.0.1:${p}`)).join('\n')],
    [/^ *server 127\.0\.0\.1:300[2-9][^\n]*# @web\n/gm, () => ''],
    [/^( *)listen 80;  # @listen$/m, (line) => line.replace('listen 80;', `listen 127.0.0.1:${port};`)],
    [/proxy_cache_path \/var\/cache\/nginx\/airstudio-live /, () => `proxy_cache_path ${cacheDir} `]
  ];
  let out = conf;
  for (const [from, to] of swaps) {
    if (!from.test(out)) throw new Error(`docs/deploy/nginx.conf changed: no ${from} to template`);
    out = out.replace(from, to);
  }
  return out;
}

describe('docs/deploy/nginx.conf in front of two web processes (PostgreSQL, Redis, S3)', () => {
  let database: TestDatabase;
  let s3: RunningS3;
  let db: Db;
  const prefix = testRedisPrefix('nginx');
  const web: RunningServer[] = [];
  let nginx: RunningNginx;
  let front: { url: string; wsUrl: string };
  let owner: TestUser;
  let projectId: string;
  const clients: YClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    s3 = await startS3rver();
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      SIGNING_SECRET: randomBytes(32).toString('base64url'),
      ...s3.env,
      ADDRESS_HEADER: 'x-forwarded-for',
      XFF_DEPTH: '1'
    };
    // One after the other: the first applies the migrations.
    for (let i = 0; i < 2; i++) web.push(await startServer({ databaseUrl: database.url, env }));
    nginx = await runNginx((port, cacheDir) => deployConfig(web.map((w) => w.port), port, cacheDir), { accessLog: true });
    front = { url: nginx.url, wsUrl: nginx.url.replace('http:', 'ws:') };
    db = openDatabase(database.url);
    owner = await signup(front, uniqueName('front'));
    projectId = await createProject(front, owner, 'Behind nginx');
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.disconnect();
    await nginx?.stop();
    await Promise.all(web.map((w) => w.destroy()));
    await db?.close();
    await database?.drop();
    await s3?.close();
    await dropRedisPrefix(prefix);
  });

  /** Which web process (by port) answered each request nginx logged for `uri`. */
  const upstreamsOf = (uri: string): Set<string> =>
    new Set(nginx.accessLog().split('\n').filter((l) => l.split(' ')[1]?.startsWith(uri)).map((l) => l.split(' ')[3]?.split(':').pop() ?? ''));

  it('answers /health through nginx, from both web processes in turn', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await api(front, 'GET', '/health');
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('ok');
    }
    expect(upstreamsOf('/health')).toEqual(new Set(web.map((w) => String(w.port))));
  });

  it('signs in through nginx; the session cookie works on either process', async () => {
    const r = await fetch(`${front.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: owner.username, password: TEST_PASSWORD }) });
    expect(r.status).toBe(200);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('airstudio_session='))!.split(';')[0];
    expect(cookie).toBeDefined();
    for (let i = 0; i < 4; i++) {
      const me = await api(front, 'GET', '/api/me', { headers: { cookie } });
      expect(me.status).toBe(200);
      expect(me.body.user?.username ?? me.body.username).toBe(owner.username);
    }
    expect(upstreamsOf('/api/me').size).toBe(2);
  });

  it('passes socket.io over WebSocket through', async () => {
    const socket = io(front.url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: owner.token } });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const ack = await socket.timeout(10_000).emitWithAck('project:join', projectId);
    expect(ack).toEqual({ ok: true, role: 'owner' });
    // nginx logs a WebSocket when it closes: a 101 answer proves the upgrade went through.
    socket.disconnect();
    await waitFor(() => nginx.accessLog().includes('GET /socket.io/ 101 '), 'nginx to log the socket.io WebSocket');
    expect(upstreamsOf('/socket.io/').size).toBe(1);
  });

  it('passes the Yjs WebSocket through: an edit is stored, and a later client (on either process) syncs it', async () => {
    const a = connectClient(front.wsUrl, projectId, owner.token);
    clients.push(a);
    await a.synced;
    a.doc.getText('notes').insert(0, 'hello through nginx');
    const log = new DocLogRepository(db.kysely);
    await waitFor(async () => rebuild(await log.load(projectId)).getText('notes').toString() === 'hello through nginx', 'the edit to be stored');
    for (let i = 0; i < 3; i++) {
      const b = connectClient(front.wsUrl, projectId, owner.token);
      clients.push(b);
      await b.synced;
      expect(notes(b)).toBe('hello through nginx');
    }
    for (const c of clients.splice(0)) c.destroy();
    await waitFor(() => nginx.accessLog().split('\n').filter((l) => l.startsWith(`GET /yjs/${projectId} 101 `)).length === 4, 'nginx to log the four Yjs WebSockets');
    expect(upstreamsOf('/yjs/').size).toBe(2);
  });

  it('passes a large tus upload through in several chunks, each uploader kept on one process', async () => {
    // 70 s of stereo 16-bit sound: about 12 MB, in 4 MB chunks.
    const dir = await tempDir('airstudio-nginx-');
    const file = path.join(dir, 'long.wav');
    await ffmpeg(...sine(70), '-ac', '2', file);
    const data = fs.readFileSync(file);
    const chunkSize = 4 * 1024 * 1024;
    const result = await tusJsUpload(front, owner.token, data, { filename: 'long.wav', projectId }, { chunkSize });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ kind: 'audio', sha256: sha256(data), bytes: data.length });
    const patches = nginx.accessLog().split('\n').filter((l) => l.startsWith('PATCH /api/uploads/'));
    expect(patches.length).toBe(Math.ceil(data.length / chunkSize));
    expect(upstreamsOf('/api/uploads').size).toBe(1);
    // The asset and its bytes are shared: both processes list it and serve it.
    for (let i = 0; i < 2; i++) {
      const listed = await api(web[i], 'GET', `/api/projects/${projectId}/assets`, { token: owner.token });
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).toContain(result.body.id);
    }
  });
});
