import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A stand-in for a video generation server at the network boundary, speaking OpenAI's videos API (the shape airstudio
 * calls): `GET /v1/models`; multipart `POST /v1/videos` {model, prompt, seconds, size, input_reference?} → a video
 * object with status `queued`; `GET /v1/videos/{id}` reports `in_progress` (50 %) once, then `completed` — or `failed`
 * with an error when the prompt contains `failOn`; `GET /v1/videos/{id}/content` → a real MP4 of the asked size and
 * length, made by ffmpeg (a test pattern: the stub generates nothing) — or, when the prompt contains `garbageOn`,
 * bytes that are no video (a broken server). It checks the bearer key and records requests.
 */
export interface VideoStub {
  /** e.g. http://127.0.0.1:1234/v1 */
  baseUrl: string;
  key: string;
  model: string;
  requests: { method: string; path: string; authorization: string | undefined; form: Record<string, string> | null; reference: { name: string; type: string; bytes: number; png: { width: number; height: number } | null } | null }[];
  close(): Promise<void>;
}

/** The stub's refusal, in the error object OpenAI's API puts on a failed video. */
export const STUB_VIDEO_FAILURE = { code: 'moderation_blocked', message: 'The stub server declined this prompt (it contains the failure marker).' };

interface StubVideo {
  id: string;
  model: string;
  prompt: string;
  seconds: string;
  size: string;
  polls: number;
  fails: boolean;
  garbage: boolean;
  created_at: number;
}

export async function startVideoStub({ key = 'sk-video-stub', model = 'stub-video-1', failOn = '[fail]', garbageOn = '[garbage]' } = {}): Promise<VideoStub> {
  const requests: VideoStub['requests'] = [];
  const videos = new Map<string, StubVideo>();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airstudio-video-stub-'));
  let next = 1;

  const objectOf = (v: StubVideo) => {
    const done = v.polls >= 2;
    const status = v.polls === 0 ? 'queued' : !done ? 'in_progress' : v.fails ? 'failed' : 'completed';
    return {
      id: v.id,
      object: 'video',
      model: v.model,
      prompt: v.prompt,
      status,
      progress: status === 'queued' ? 0 : status === 'in_progress' ? 50 : 100,
      seconds: v.seconds,
      size: v.size,
      created_at: v.created_at,
      completed_at: done ? v.created_at + 2 : null,
      expires_at: null,
      remixed_from_video_id: null,
      error: status === 'failed' ? STUB_VIDEO_FAILURE : null
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const bytes = Buffer.concat(chunks);
      const url = (req.url ?? '/').split('?')[0]!;
      const entry: VideoStub['requests'][number] = { method: req.method ?? '', path: url, authorization: req.headers.authorization, form: null, reference: null };
      requests.push(entry);
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const fail = (status: number, message: string, type = 'invalid_request_error') => reply(status, { error: { message, type, code: null, param: null } });
      try {
        if (req.headers.authorization !== `Bearer ${key}`) return fail(401, 'Incorrect API key provided.');
        if (req.method === 'GET' && url === '/v1/models') return reply(200, { object: 'list', data: [{ id: model, object: 'model', created: 1700000000, owned_by: 'stub' }] });
        if (req.method === 'POST' && url === '/v1/videos') {
          // multipart/form-data, as the OpenAI SDK sends a create; undici's parser reads it.
          const form = await new Request('http://stub/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: bytes }).formData().catch(() => null);
          if (!form) return fail(400, 'The body is not multipart/form-data.');
          entry.form = {};
          for (const [k, v] of form.entries()) if (typeof v === 'string') entry.form[k] = v;
          const ref = form.get('input_reference');
          if (ref instanceof File) {
            const data = Buffer.from(await ref.arrayBuffer());
            entry.reference = { name: ref.name, type: ref.type, bytes: data.length, png: pngSize(data) };
          }
          const f = entry.form;
          if (f.model !== model) return fail(404, `The model '${f.model}' does not exist`);
          if (!f.prompt) return fail(400, 'Missing required parameter: prompt');
          if (!/^\d{1,2}$/.test(f.seconds ?? '')) return fail(400, `Invalid seconds '${f.seconds}'`);
          if (!/^\d{3,4}x\d{3,4}$/.test(f.size ?? '')) return fail(400, `Invalid size '${f.size}'`);
          const v: StubVideo = { id: `video_stub${next++}`, model, prompt: f.prompt, seconds: f.seconds!, size: f.size!, polls: 0, fails: f.prompt.includes(failOn), garbage: f.prompt.includes(garbageOn), created_at: Math.floor(Date.now() / 1000) };
          videos.set(v.id, v);
          return reply(200, objectOf(v));
        }
        const m = /^\/v1\/videos\/([\w-]+)(\/content)?$/.exec(url);
        const v = m ? videos.get(m[1]!) : undefined;
        if (req.method === 'GET' && m && !v) return fail(404, `No video found with id '${m[1]}'.`);
        if (req.method === 'GET' && v && !m![2]) {
          v.polls++;
          return reply(200, objectOf(v));
        }
        if (req.method === 'GET' && v && m![2]) {
          if (objectOf(v).status !== 'completed') return fail(409, `Video ${v.id} is not completed.`);
          if (v.garbage) return res.writeHead(200, { 'content-type': 'video/mp4' }).end('<html>this is not a video</html>');
          const file = path.join(dir, `${v.id}.mp4`);
          await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${v.size}:rate=24:duration=${v.seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file]);
          const mp4 = await fs.readFile(file);
          return res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': mp4.length }).end(mp4);
        }
        fail(404, `Unknown route ${req.method} ${url}`);
      } catch (e) {
        fail(500, `The stub broke: ${(e as Error).message}`, 'server_error');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    key,
    model,
    requests,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await fs.rm(dir, { recursive: true, force: true });
    }
  };
}

/** A PNG's width and height from its IHDR chunk, or null when the bytes are not a PNG. */
function pngSize(data: Buffer): { width: number; height: number } | null {
  if (data.length < 24 || data.readUInt32BE(0) !== 0x89504e47) return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
