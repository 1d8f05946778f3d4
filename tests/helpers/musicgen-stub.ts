import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for a MusicGen / AudioCraft HTTP server, at the network boundary: it speaks the contract the music
 * adapter implements (`POST /generate {prompt, duration, model?, seed?}` → audio/wav at MusicGen's 32 kHz mono, or
 * JSON `{audio_url}` in "url" mode), checks the bearer key, and records what it was sent. Its audio is a fixed
 * tone of the asked length made by ffmpeg: it is not a music model.
 */
export interface MusicGenStub {
  baseUrl: string;
  key: string;
  mode: 'wav' | 'url' | 'fail';
  requests: { path: string; authorization: string | undefined; body: any }[];
  close(): Promise<void>;
}

function tone(seconds: number): Buffer {
  return execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `sine=f=330:r=32000:d=${seconds}`, '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', '-'], { maxBuffer: 64 << 20 });
}

export async function startMusicGenStub({ key = 'mg-stub-key' } = {}): Promise<MusicGenStub> {
  const stub = { mode: 'wav', requests: [] } as unknown as MusicGenStub;
  const audio = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stub');
      if (req.method === 'GET' && audio.has(url.pathname)) {
        res.writeHead(200, { 'content-type': 'audio/wav' }).end(audio.get(url.pathname));
        return;
      }
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
      } catch {
        res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'body is not JSON' }));
        return;
      }
      stub.requests.push({ path: url.pathname, authorization: req.headers.authorization, body });
      if (req.method !== 'POST' || url.pathname !== '/generate') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${stub.key}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'bad key' }));
        return;
      }
      if (typeof body?.prompt !== 'string' || !(body?.duration > 0)) {
        res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'prompt and duration are required' }));
        return;
      }
      if (stub.mode === 'fail') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'duration too long for this model' }));
        return;
      }
      const wav = tone(body.duration);
      if (stub.mode === 'url') {
        const name = `/files/${stub.requests.length}.wav`;
        audio.set(name, wav);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ audio_url: `${stub.baseUrl.replace(/\/$/, '')}${name}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.key = key;
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
}
