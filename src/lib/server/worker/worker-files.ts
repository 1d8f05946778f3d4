import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { JobRepository } from '../job/job.repository';
import { LISTING_CLIP_KEY, ListingClipStore } from '../listing/listing-clip-store';
import type { Logger } from '../log';
import { TooLarge, type BlobStorage } from '../storage/storage';
import type { WorkerTokenService } from './worker-token.service';
import { replyJson } from '../http/node-reply';

const ROUTE = /^\/api\/worker\/jobs\/([a-z2-7]{16})\/files\/([a-z0-9][a-z0-9._-]{0,63})$/;
const CLIP_ROUTE = /^\/api\/worker\/clips\/([^/]*)$/;

/**
 * PUT /api/worker/jobs/:id/files/:name: a worker delivers a result file into the content store.
 * Only the worker holding the job's lease may; the answer is the file's hash for the job result.
 * GET and PUT /api/worker/clips/:key: the listing video pieces every worker shares (any worker token).
 */
export class WorkerFiles {
  constructor(
    private readonly tokens: WorkerTokenService,
    private readonly jobs: JobRepository,
    private readonly storage: BlobStorage,
    private readonly maxBytes: number,
    private readonly logger: Logger,
    readonly clips = new ListingClipStore(storage, { logger })
  ) {}

  handles(req: IncomingMessage): boolean {
    return (req.url ?? '').startsWith('/api/worker/');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => replyJson(res, status, body, { Connection: status >= 400 ? 'close' : 'keep-alive' });
    const fail = (status: number, code: string, message: string) => {
      json(status, { error: { code, message } });
      req.resume();
    };
    const clip = CLIP_ROUTE.exec((req.url ?? '').split('?')[0]);
    if (clip) return this.clip(req, res, clip[1]!, json, fail);
    const m = ROUTE.exec((req.url ?? '').split('?')[0]);
    if (!m) return fail(404, 'not_found', `Nothing at ${req.url}`);
    if (req.method !== 'PUT') return fail(405, 'method_not_allowed', 'Result files are sent with PUT.');
    try {
      const header = req.headers.authorization;
      const identity = await this.tokens.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : null);
      if (!identity) return fail(401, 'unauthorized', 'Send the worker token as "Authorization: Bearer <token>".');
      const instance = String(req.headers['x-worker-instance'] ?? '');
      const job = await this.jobs.findById(m[1]);
      if (!job || job.status !== 'running' || job.lease_owner !== `${identity.tokenId}:${instance}`) {
        return fail(409, 'lease_lost', 'This worker does not hold that job (finished, canceled, or its lease expired).');
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > this.maxBytes) return fail(413, 'too_large', `Result files take up to ${this.maxBytes} bytes.`);
      const blob = await this.storage.putStream(req, this.maxBytes);
      json(201, blob);
    } catch (e) {
      if (e instanceof TooLarge) return fail(413, 'too_large', `Result files take up to ${this.maxBytes} bytes.`);
      this.logger.error({ err: e }, 'storing a worker file failed');
      fail(500, 'internal', 'Could not store the file.');
    }
  }

  private async clip(req: IncomingMessage, res: ServerResponse, key: string, json: (status: number, body: unknown) => void, fail: (status: number, code: string, message: string) => void): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'PUT') return fail(405, 'method_not_allowed', 'Listing clips are read with GET and stored with PUT.');
    try {
      const header = req.headers.authorization;
      if (!(await this.tokens.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : null))) return fail(401, 'unauthorized', 'Send the worker token as "Authorization: Bearer <token>".');
      if (!LISTING_CLIP_KEY.test(key)) return fail(400, 'bad_key', 'A listing clip key is 32 lowercase hex digits.');
      if (req.method === 'PUT') {
        if (Number(req.headers['content-length'] ?? 0) > this.maxBytes) return fail(413, 'too_large', `Clips take up to ${this.maxBytes} bytes.`);
        return json(201, await this.clips.put(key, req, this.maxBytes));
      }
      req.resume();
      const found = await this.clips.get(key);
      if (!found) return json(404, { error: { code: 'not_found', message: 'No worker stored this clip (or it was swept).' } });
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(found.size) });
      await pipeline(found.body, res);
    } catch (e) {
      if (e instanceof TooLarge) return fail(413, 'too_large', `Clips take up to ${this.maxBytes} bytes.`);
      this.logger.error({ err: e }, 'a listing clip request failed');
      if (res.headersSent) res.destroy();
      else fail(500, 'internal', 'Could not read or store the clip.');
    }
  }
}
