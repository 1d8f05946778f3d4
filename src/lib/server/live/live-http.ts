import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { LIVE_PLAYLIST } from '$lib/live';
import type { Authenticator } from '../auth/authenticator';
import { ApiError } from '../http/api-error';
import type { Logger } from '../log';
import { healthReportSchema, hlsFileName, planQuerySchema, playedItemSchema, recordingFileName } from './live.schema';
import type { LiveService } from './live.service';
import { replyError, replyJson } from '../http/node-reply';

const WORKER_ROUTE = /^\/api\/worker\/jobs\/([a-z2-7]{16})\/(plan|outputs|played|health|hls\/([^/]+)|recordings\/([^/]+))$/;
const PUBLIC_ROUTE = /^\/live\/([a-z0-9-]{1,64})\/([^/]+)$/;
const MAX_JSON = 64 << 10;
const MAX_HLS_FILE = 8 << 20;
/** An hour of 128k AAC is ~58 MB. */
const MAX_RECORDING_FILE = 256 << 20;

/**
 * The live output's plain-HTTP routes (served before SvelteKit, which would buffer uploads): the worker's plan, played
 * and health calls and HLS uploads under /api/worker/jobs/:id/ (lease-checked), and the public stream at /live/:slug/.
 */
export class LiveHttp {
  constructor(
    private readonly live: LiveService,
    private readonly auth: Authenticator,
    private readonly logger: Logger
  ) {}

  handles(req: IncomingMessage): boolean {
    const p = (req.url ?? '').split('?')[0];
    return WORKER_ROUTE.test(p) || (PUBLIC_ROUTE.test(p) && (req.method === 'GET' || req.method === 'HEAD') && /\.(m3u8|ts)$/.test(p));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      const w = WORKER_ROUTE.exec(url.pathname);
      if (w) return await this.worker(req, res, url, w[1], w[2], w[3] ?? w[4]);
      const p = PUBLIC_ROUTE.exec(url.pathname)!;
      return await this.serve(req, res, p[1], p[2]);
    } catch (e) {
      if (!(e instanceof ApiError) && !(e instanceof z.ZodError)) this.logger.error({ err: e, url: req.url }, 'live route failed');
      const [status, code, message] =
        e instanceof ApiError ? [e.status, e.code, e.message] : e instanceof z.ZodError ? [400, 'invalid_input', zodMessage(e)] : [500, 'internal', 'Something went wrong on the server; it has been logged.'];
      req.resume();
      replyError(res, status, code, message);
    }
  }

  private async worker(req: IncomingMessage, res: ServerResponse, url: URL, jobId: string, what: string, file: string | undefined): Promise<void> {
    const method = what === 'plan' || what === 'outputs' ? 'GET' : what.startsWith('hls/') || what.startsWith('recordings/') ? 'PUT' : 'POST';
    if (req.method !== method) throw new ApiError(405, 'method_not_allowed', `Use ${method} here.`);
    const cred = { authorization: req.headers.authorization, instance: String(req.headers['x-worker-instance'] ?? '') };
    // The last recording file arrives after the stop that ended the lease.
    const job = what.startsWith('recordings/') ? await this.live.requireRecordingLease(jobId, cred) : await this.live.requireLease(jobId, cred);
    const json = (body: unknown) => replyJson(res, 200, body);
    if (what === 'plan') {
      const q = planQuerySchema.parse(Object.fromEntries(url.searchParams));
      return json(await this.live.planForJob(job, q.from, q.count));
    }
    // The outputs' secrets (Icecast password, stream keys) go to the lease holder only.
    if (what === 'outputs') return json(await this.live.outputsForJob(job));
    if (what.startsWith('recordings/')) {
      const name = recordingFileName.parse(decodeURIComponent(file ?? ''));
      if (Number(req.headers['content-length'] ?? 0) > MAX_RECORDING_FILE) throw new ApiError(413, 'too_large', `Recording files take up to ${MAX_RECORDING_FILE} bytes.`);
      await this.live.putRecording(job, name, req, MAX_RECORDING_FILE);
      return replyJson(res, 201, { ok: true });
    }
    if (what === 'played') return json(await this.live.played(job, playedItemSchema.parse(await readJson(req))));
    if (what === 'health') {
      await this.live.reportHealth(job, healthReportSchema.parse(await readJson(req)));
      return json({ ok: true });
    }
    const name = hlsFileName.parse(decodeURIComponent(file ?? ''));
    if (Number(req.headers['content-length'] ?? 0) > MAX_HLS_FILE) throw new ApiError(413, 'too_large', `HLS files take up to ${MAX_HLS_FILE} bytes.`);
    await this.live.putHls(job, name, req, MAX_HLS_FILE);
    replyJson(res, 201, { ok: true });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, slug: string, name: string): Promise<void> {
    if (!hlsFileName.safeParse(name).success) throw new ApiError(404, 'not_found', `Nothing at ${req.url}`);
    const a = await this.auth.authenticateRequest(req).catch(() => null);
    const { body, size, visibility } = await this.live.hlsFile(a?.user ?? null, slug, name);
    const playlist = name === LIVE_PLAYLIST;
    const headers: Record<string, string> = {
      'Content-Type': playlist ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
      'Content-Length': String(size),
      // The playlist changes every segment (shared caches may keep a public one a second, see docs/serving-listeners.md);
      // a segment never changes once written. Private ones stay out of shared caches.
      'Cache-Control': visibility === 'public' ? (playlist ? 'public, max-age=0, s-maxage=1' : 'public, max-age=60') : playlist ? 'private, no-cache' : 'private, max-age=60'
    };
    // Public streams play in anyone's page (embeds); private ones only with the member's own cookie.
    if (visibility === 'public') headers['Access-Control-Allow-Origin'] = '*';
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      body.destroy();
      return void res.end();
    }
    body.on('error', () => res.destroy()).pipe(res);
    res.on('close', () => body.destroy());
  }
}

const zodMessage = (e: z.ZodError) => e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_JSON) throw new ApiError(413, 'too_large', `Send at most ${MAX_JSON} bytes of JSON.`);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}
