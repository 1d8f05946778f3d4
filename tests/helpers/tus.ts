/**
 * A tus 1.0 client made of plain HTTP requests (fetch, and node:http where a request must break mid-body),
 * so tests see every status and header; plus the studio's own client (tus-js-client) run in Node.
 */
import http from 'node:http';
import * as tus from 'tus-js-client';

export const TUS_VERSION = '1.0.0';

export interface TusAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: any;
}

const auth = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

async function answer(r: Response): Promise<TusAnswer> {
  const text = await r.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, headers: r.headers, text, json };
}

/** `key base64(value)` pairs, as Upload-Metadata wants them. */
export function tusMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

/** POST /api/uploads: creates an upload of `length` bytes; `location` is the absolute upload URL (201). */
export async function tusCreate(
  server: { url: string },
  token: string | undefined,
  length: number,
  meta: Record<string, string>,
  extraHeaders: Record<string, string> = {}
): Promise<TusAnswer & { location: string | null }> {
  const r = await fetch(`${server.url}/api/uploads`, {
    method: 'POST',
    headers: { 'tus-resumable': TUS_VERSION, 'upload-length': String(length), 'upload-metadata': tusMetadata(meta), ...auth(token), ...extraHeaders }
  });
  const a = await answer(r);
  const loc = r.headers.get('location');
  return { ...a, location: loc ? new URL(loc, server.url).toString() : null };
}

/** HEAD of an upload: its Upload-Offset (null when absent, e.g. on an error). */
export async function tusHead(uploadUrl: string, token: string | undefined): Promise<{ status: number; offset: number | null; length: number | null; headers: Headers }> {
  const r = await fetch(uploadUrl, { method: 'HEAD', headers: { 'tus-resumable': TUS_VERSION, ...auth(token) } });
  const offset = r.headers.get('upload-offset');
  const length = r.headers.get('upload-length');
  return { status: r.status, offset: offset === null ? null : Number(offset), length: length === null ? null : Number(length), headers: r.headers };
}

/** PATCH `bytes` at `offset`, whole. */
export async function tusPatch(uploadUrl: string, token: string | undefined, offset: number, bytes: Buffer): Promise<TusAnswer> {
  const r = await fetch(uploadUrl, {
    method: 'PATCH',
    headers: { 'tus-resumable': TUS_VERSION, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...auth(token) },
    body: bytes as Uint8Array<ArrayBuffer>
  });
  return answer(r);
}

/**
 * A PATCH whose connection breaks mid-body: announces all of `bytes` (Content-Length), writes only the first
 * `send` of them, then destroys the socket, as a dropped network does. Resolves once the socket is closed.
 */
export function tusPatchInterrupted(uploadUrl: string, token: string | undefined, offset: number, bytes: Buffer, send: number): Promise<void> {
  if (send >= bytes.length) throw new Error('an interrupted PATCH must send less than it announces');
  const url = new URL(uploadUrl);
  return new Promise((resolve) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'PATCH',
      headers: {
        'tus-resumable': TUS_VERSION,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(bytes.length),
        ...auth(token)
      }
    });
    req.on('error', () => undefined); // the destroy below is the point
    req.on('response', (res) => {
      // The server must not finish a request whose body did not all arrive.
      res.resume();
      resolve();
    });
    req.on('close', () => resolve());
    req.flushHeaders();
    req.write(bytes.subarray(0, send), () => {
      // Let the written bytes leave this process before the connection is cut.
      setTimeout(() => req.destroy(), 150);
    });
  });
}

/**
 * After a broken PATCH the server may still be flushing what arrived: wait until HEAD reports the same offset
 * twice in a row (what a client sees once the server has settled), and return it.
 */
export async function tusSettledOffset(uploadUrl: string, token: string | undefined, tries = 50): Promise<number> {
  let last = -1;
  for (let i = 0; i < tries; i++) {
    const h = await tusHead(uploadUrl, token);
    if (h.status !== 200 || h.offset === null) throw new Error(`HEAD ${uploadUrl} answered ${h.status}`);
    if (h.offset === last) return last;
    last = h.offset;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** Sends the rest of `data` from what HEAD reports (re-asking after a 409, as tus clients do); the final answer. */
export async function tusResume(uploadUrl: string, token: string | undefined, data: Buffer): Promise<{ from: number; final: TusAnswer }> {
  for (let attempt = 0; ; attempt++) {
    const from = await tusSettledOffset(uploadUrl, token);
    const final = await tusPatch(uploadUrl, token, from, data.subarray(from));
    if (final.status !== 409 || attempt >= 3) return { from, final };
  }
}

export interface ClientUploadResult {
  status: number;
  body: any;
  uploadUrl: string;
}

/**
 * Uploads with tus-js-client, the studio's own client. With `pauseAt` (0..1) the upload is aborted once that
 * much has arrived and resumed by a second client given the upload URL, as after a reload.
 */
export async function tusJsUpload(
  server: { url: string },
  token: string,
  data: Buffer,
  metadata: Record<string, string>,
  opts: { chunkSize?: number; pauseAt?: number } = {}
): Promise<ClientUploadResult & { pausedAt: number | null }> {
  const base: ConstructorParameters<typeof tus.Upload>[1] = {
    endpoint: `${server.url}/api/uploads`,
    headers: { Authorization: `Bearer ${token}` },
    metadata,
    chunkSize: opts.chunkSize ?? Infinity,
    retryDelays: [0, 200, 500],
    removeFingerprintOnSuccess: true
  };
  let pausedAt: number | null = null;
  let uploadUrl: string | null = null;
  if (opts.pauseAt !== undefined) {
    const threshold = Math.floor(data.length * opts.pauseAt);
    await new Promise<void>((resolve, reject) => {
      const first: tus.Upload = new tus.Upload(data, {
        ...base,
        onChunkComplete: (_chunk, accepted) => {
          if (accepted >= threshold && pausedAt === null) {
            pausedAt = accepted;
            uploadUrl = first.url;
            void first.abort(false).then(resolve, reject);
          }
        },
        onSuccess: () => reject(new Error('the first client finished before it was paused (chunkSize too large?)')),
        onError: reject
      });
      first.start();
    });
  }
  const result = await new Promise<ClientUploadResult>((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(data, {
      ...base,
      ...(uploadUrl ? { uploadUrl } : {}),
      onSuccess: (payload) => {
        const text = payload.lastResponse.getBody();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: payload.lastResponse.getStatus(), body, uploadUrl: upload.url ?? '' });
      },
      onError: reject
    });
    upload.start();
  });
  return { ...result, pausedAt };
}
