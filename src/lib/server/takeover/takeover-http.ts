import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiError } from '../http/api-error';
import type { LiveService } from '../live/live.service';
import type { Logger } from '../log';
import type { TakeoverService } from './takeover.service';
import { replyError, replyJson } from '../http/node-reply';

const RTMP_CALLBACK = /^\/api\/takeover\/rtmp\/(publish|publish-done)$/;
const WORKER_ROUTE = /^\/api\/worker\/jobs\/([a-z2-7]{16})\/takeover$/;
const MAX_BODY = 16 << 10;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const airedSchema = z.object({ onAir: z.boolean({ error: 'onAir must be true or false' }) }).strict();

/**
 * Live takeover's plain-HTTP routes: nginx-rtmp's publish callbacks (loopback only: nginx runs beside us) and the live
 * worker's lease-checked takeover poll (GET: the source to pull, with its key) and report (POST {onAir}).
 */
export class TakeoverHttp {
  constructor(
    private readonly takeover: TakeoverService,
    private readonly live: LiveService,
    private readonly logger: Logger
  ) {}

  handles(req: IncomingMessage): boolean {
    const p = (req.url ?? '').split('?')[0];
    return RTMP_CALLBACK.test(p) || WORKER_ROUTE.test(p);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = (req.url ?? '').split('?')[0];
    try {
      const cb = RTMP_CALLBACK.exec(p);
      if (cb) return await this.callback(req, res, cb[1]);
      const w = WORKER_ROUTE.exec(p)!;
      const job = await this.live.requireLease(w[1], { authorization: req.headers.authorization, instance: String(req.headers['x-worker-instance'] ?? '') });
      if (req.method === 'GET') return replyJson(res, 200, await this.takeover.forJob(job));
      if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use GET or POST here.');
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)) || '{}');
      } catch {
        throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
      }
      const parsed = airedSchema.safeParse(body);
      if (!parsed.success) throw new ApiError(400, 'invalid_input', parsed.error.issues.map((i) => i.message).join('; '));
      await this.takeover.aired(job, parsed.data.onAir);
      return replyJson(res, 200, { ok: true });
    } catch (e) {
      if (!(e instanceof ApiError)) this.logger.error({ err: e, url: req.url }, 'takeover route failed');
      const [status, code, message] = e instanceof ApiError ? [e.status, e.code, e.message] : [500, 'internal', 'Something went wrong on the server; it has been logged.'];
      req.resume();
      replyError(res, status, code, message);
    }
  }

  /** nginx-rtmp's notify: 2xx accepts the publisher, anything else refuses it (it closes the connection). */
  private async callback(req: IncomingMessage, res: ServerResponse, what: string): Promise<void> {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) throw new ApiError(403, 'forbidden', 'Only the local RTMP ingest calls this.');
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use POST here.');
    const form = new URLSearchParams(await readBody(req));
    const name = form.get('name') ?? '';
    if (!name) throw new ApiError(400, 'bad_request', 'name (the stream key) is missing.');
    if (what === 'publish-done') {
      this.takeover.publishDone(name);
      return replyJson(res, 200, { ok: true });
    }
    try {
      const source = await this.takeover.publish(name);
      replyJson(res, 200, { ok: true, channelId: source.channel.id });
    } catch (e) {
      if (e instanceof ApiError) this.logger.warn({ addr: form.get('addr'), code: e.code, reason: e.message }, 'live source refused');
      throw e;
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'too_large', `Send at most ${MAX_BODY} bytes.`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
