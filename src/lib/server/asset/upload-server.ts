import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { Server as TusServer, type Upload } from '@tus/server';
import type { Authenticator } from '../auth/authenticator';
import type { UserRow } from '../db/schema';
import { ApiError } from '../http/api-error';
import { originAllowed } from '../http/upgrade';
import type { Logger } from '../log';
import { TooLarge, type BlobStorage } from '../storage/storage';
import type { AssetService } from './asset.service';
import { uploadStore, type UploadStore } from './upload-store';
import { isId } from '$lib/editor/model/ids';
import type { UserRepository } from '../auth/user.repository';

/** The authenticated user of each upload request, for tus's hooks (which see a Fetch Request wrapping the Node one). */
const requestUser = new WeakMap<IncomingMessage, string>();
const userIdOf = (req: Request): string | null => {
  const node = (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
  return (node && requestUser.get(node)) ?? null;
};

export interface UploadLimits {
  /** The largest upload of any kind (the kind is known only once the bytes are in). */
  maxUploadBytes: number;
  multipartMaxBytes: number;
}

type Send = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;
const sendJson: Send = (res, status, body, headers = {}) => {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body));
};
const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });
/** Headers (an object, [name, value] pairs, or a flat list) with Content-Type set to JSON. */
function jsonContentType(h: object): object {
  const isType = (k: unknown) => String(k).toLowerCase() === 'content-type';
  if (!Array.isArray(h)) return { ...Object.fromEntries(Object.entries(h).filter(([k]) => !isType(k))), 'content-type': 'application/json' };
  if (h.every((x) => Array.isArray(x))) return [...h.filter(([k]) => !isType(k)), ['content-type', 'application/json']];
  const flat: unknown[] = [];
  for (let i = 0; i + 1 < h.length; i += 2) if (!isType(h[i])) flat.push(h[i], h[i + 1]);
  return [...flat, 'content-type', 'application/json'];
}

/** tus hooks signal refusal by throwing { status_code, body }. */
const tusError = (status: number, code: string, message: string) => ({ status_code: status, body: errorBody(code, message) });

/**
 * Uploads into the media library: tus 1.0 (resumable) at /api/uploads, and multipart at
 * POST /api/projects/:id/assets for small files and scripts. Both hash while the bytes stream in.
 */
export class UploadServer {
  /** The upload store and tus server, made once the store is ready (the bucket's brings the AWS SDK, loaded on demand). */
  private readonly ready: Promise<{ uploads: UploadStore; tus: TusServer }>;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    dataDir: string,
    private readonly storage: BlobStorage,
    private readonly auth: Authenticator,
    private readonly users: UserRepository,
    private readonly assets: AssetService,
    private readonly limits: UploadLimits,
    private readonly logger: Logger,
    private readonly origin?: string
  ) {
    this.ready = uploadStore(dataDir, storage).then((uploads) => ({ uploads, tus: this.tusServer(uploads) }));
    // A store that cannot be made fails each tus request (500, logged) rather than the process.
    this.ready.catch((err) => this.logger.error({ err }, 'the upload store could not be made'));
    this.sweep = setInterval(() => void this.ready.then(({ uploads }) => uploads.sweep()).catch((err) => this.logger.warn({ err }, 'sweeping expired uploads failed')), 3600_000);
    this.sweep.unref();
  }

  private tusServer(uploads: UploadStore): TusServer {
    return new TusServer({
      ...uploads.options,
      path: '/api/uploads',
      datastore: uploads.datastore,
      relativeLocation: true,
      respectForwardedHeaders: true,
      maxSize: this.limits.maxUploadBytes,
      onUploadCreate: async (req, upload) => {
        const user = await this.userOf(userIdOf(req));
        const projectId = upload.metadata?.projectId ?? '';
        if (!upload.metadata?.filename) throw tusError(400, 'invalid_metadata', 'Upload-Metadata needs filename (and projectId).');
        if (!isId(projectId)) throw tusError(400, 'invalid_metadata', 'Upload-Metadata needs the projectId of a project you can upload to.');
        try {
          await this.assets.uploadStatus(user, projectId);
        } catch (e) {
          if (e instanceof ApiError) throw tusError(e.status, e.code, e.message);
          throw e;
        }
        return { metadata: { ...upload.metadata, userId: user.id } };
      },
      // tus's own refusals (offset mismatch, size, headers) are plain text: give them the API's JSON error shape.
      onResponseError: (_req, err) => {
        const status = 'status_code' in err ? err.status_code : 500;
        const body = 'body' in err && typeof err.body === 'string' ? err.body : (err as Error).message;
        if (body.trimStart().startsWith('{')) return { status_code: status, body };
        if (status >= 500) this.logger.error({ err }, 'tus upload failed');
        let message = status >= 500 ? 'The upload failed on the server; it has been logged. Resume it to try again.' : body.trim();
        if (status === 409) message += ': ask HEAD for the Upload-Offset the server has, and resume from there.';
        return { status_code: status, body: errorBody(status === 409 ? 'offset_mismatch' : status === 404 ? 'not_found' : status === 410 ? 'upload_expired' : 'upload_refused', message) };
      },
      onIncomingRequest: async (req, id) => {
        const userId = userIdOf(req);
        if (req.method === 'POST' || req.method === 'OPTIONS') return;
        let upload: Upload;
        try {
          upload = await uploads.datastore.getUpload(id);
        } catch {
          return; // tus answers 404 itself.
        }
        if (upload.metadata?.userId !== userId) throw tusError(404, 'not_found', 'No such upload (uploads are private to who started them).');
      },
      onUploadFinish: async (req, upload) => {
        const user = await this.userOf(userIdOf(req));
        try {
          const { file, sha256, stored } = await uploads.finished(upload);
          const { asset, duplicate } = await this.assets.ingest({
            projectId: upload.metadata?.projectId ?? '',
            user,
            file,
            stored,
            sha256,
            bytes: upload.size ?? upload.offset,
            originalName: upload.metadata?.filename,
            meta: { title: upload.metadata?.title ?? undefined }
          });
          return { status_code: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...asset, duplicate }) };
        } catch (e) {
          if (e instanceof ApiError) throw tusError(e.status, e.code, e.message);
          this.logger.error({ err: e }, 'finishing an upload failed');
          throw tusError(500, 'internal', 'The upload arrived but could not be added; it has been logged.');
        } finally {
          await uploads.discard(upload).catch((err) => this.logger.error({ err, uploadId: upload.id }, 'removing a finished upload failed'));
        }
      }
    });
  }

  private async userOf(id: string | null): Promise<UserRow> {
    const user = id ? await this.users.findById(id) : undefined;
    if (!user) throw tusError(401, 'unauthorized', 'Sign in first, or send an API token as "Authorization: Bearer <token>".');
    return user;
  }

  /** Handles the request if it is an upload route; false lets the next handler have it. */
  handles(req: IncomingMessage): boolean {
    const p = (req.url ?? '').split('?')[0];
    if (p === '/api/uploads' || p.startsWith('/api/uploads/')) return true;
    return req.method === 'POST' && /^\/api\/projects\/[^/]+\/assets\/?$/.test(p);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS' && !originAllowed(req, this.origin)) {
        return sendJson(res, 403, { error: { code: 'forbidden', message: 'Cross-site upload refused.' } });
      }
      const a = await this.auth.authenticateRequest(req);
      if (!a && req.method !== 'OPTIONS') {
        return sendJson(res, 401, { error: { code: 'unauthorized', message: 'Sign in first, or send an API token as "Authorization: Bearer <token>".' } });
      }
      if (a) requestUser.set(req, a.user.id);
      const p = (req.url ?? '').split('?')[0];
      if (p.startsWith('/api/uploads')) {
        // Every tus error body is JSON (see onResponseError); say so in its Content-Type.
        const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
        res.writeHead = ((status: number, ...rest: unknown[]) => {
          if (status >= 400) rest = rest.map((h) => (typeof h === 'object' && h !== null ? jsonContentType(h) : h));
          return writeHead(status, ...rest);
        }) as typeof res.writeHead;
        return await (await this.ready).tus.handle(req, res);
      }
      let projectId = '';
      try {
        projectId = decodeURIComponent(p.split('/')[3]);
      } catch {
        // Malformed percent-encoding: not an id, so multipart() answers 404.
      }
      await this.multipart(req, res, a!.user, projectId);
    } catch (e) {
      if (e instanceof ApiError) return sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      this.logger.error({ err: e }, 'upload failed');
      sendJson(res, 500, { error: { code: 'internal', message: 'The upload failed on the server; it has been logged.' } });
    }
  }

  /** POST /api/projects/:id/assets, field `file` (plus optional title, artist, description, category, tags). */
  private async multipart(req: IncomingMessage, res: ServerResponse, user: UserRow, projectId: string): Promise<void> {
    if (!isId(projectId)) throw new ApiError(404, 'not_found', 'No such project, or you are not a member of it.');
    await this.assets.uploadStatus(user, projectId); // refuse before reading the body
    if (!(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      throw new ApiError(415, 'unsupported_media_type', 'Send multipart/form-data with the file in the field "file" (or use tus at /api/uploads for large files).');
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limits.multipartMaxBytes + 64 * 1024) {
      throw new ApiError(413, 'too_large', `Multipart uploads take up to ${Math.round(this.limits.multipartMaxBytes / 1048576)} MiB; use tus at /api/uploads for larger files.`);
    }
    const fields: Record<string, string> = {};
    let stored: { sha256: string; bytes: number; name: string; file: string } | null = null;
    let failure: unknown = null;
    await new Promise<void>((resolve) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: this.limits.multipartMaxBytes + 1 } });
      } catch (e) {
        failure = new ApiError(400, 'invalid_multipart', `The multipart body cannot be read: ${(e as Error).message}`);
        return resolve();
      }
      const pending: Promise<void>[] = [];
      const streams: NodeJS.ReadableStream[] = [];
      /** Ends the request's parsing: once every spool has settled, so a spooled file is always known and removed. */
      const finish = () => void Promise.all(pending).then(() => resolve());
      bb.on('field', (name, value) => (fields[name] = value));
      bb.on('file', (name, stream, info) => {
        if (name !== 'file') {
          stream.resume();
          return;
        }
        streams.push(stream);
        pending.push(
          this.spool(stream, this.limits.multipartMaxBytes).then(
            (s) => void (stored = { ...s, name: info.filename ?? '' }),
            (e) => void (failure ??= e)
          )
        );
      });
      bb.on('error', (e) => {
        failure ??= new ApiError(400, 'invalid_multipart', `The multipart body is malformed: ${(e as Error).message}`);
        req.unpipe(bb);
        req.resume();
        for (const s of streams) (s as unknown as { destroy(e: Error): void }).destroy(e as Error);
        finish();
      });
      bb.on('close', finish);
      // A client that goes away mid-body: busboy never finishes, so stop the spool (which removes its file).
      req.on('close', () => {
        if (req.complete) return;
        failure ??= new ApiError(400, 'aborted', 'The upload was cut off before the whole body arrived.');
        for (const s of streams) (s as unknown as { destroy(e: Error): void }).destroy(new Error('request aborted'));
        finish();
      });
      req.pipe(bb);
    });
    const s = stored as { sha256: string; bytes: number; name: string; file: string } | null;
    if (failure) {
      if (s) await fs.rm(s.file, { force: true });
      throw failure;
    }
    if (!s) throw new ApiError(400, 'missing_file', 'Send the file in the multipart field "file".');
    let tags: string[] | undefined;
    if (fields.tags) tags = fields.tags.split(',');
    const { asset, duplicate } = await this.assets.ingest({
      projectId,
      user,
      file: s.file,
      sha256: s.sha256,
      bytes: s.bytes,
      originalName: s.name,
      meta: { title: fields.title, artist: fields.artist, description: fields.description, category: fields.category, tags }
    });
    sendJson(res, duplicate ? 200 : 201, asset);
  }

  private async spool(stream: NodeJS.ReadableStream, maxBytes: number) {
    try {
      return await this.storage.spool(stream, maxBytes);
    } catch (e) {
      if (e instanceof TooLarge) throw new ApiError(413, 'too_large', `Multipart uploads take up to ${Math.round(maxBytes / 1048576)} MiB; use tus at /api/uploads for larger files.`);
      throw e;
    }
  }

  close(): void {
    clearInterval(this.sweep);
  }
}
