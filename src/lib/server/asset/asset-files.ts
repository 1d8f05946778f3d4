import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import send from 'send';
import { HLS_PLAYLIST_MIME } from '$lib/render';
import type { Authenticator } from '../auth/authenticator';
import { ApiError } from '../http/api-error';
import type { Logger } from '../log';
import { LocalStorage } from '../storage/local-storage';
import type { BlobStorage } from '../storage/storage';
import { byteRange } from '../http/byte-range';
import type { AssetService } from './asset.service';
import type { UrlSigner } from './signed-url';
import { replyError } from '../http/node-reply';

const ROUTE = /^\/api\/assets\/([a-z2-7]{16})\/(?:file|variants\/([a-z0-9][a-z0-9._-]{0,63}))$/;

/**
 * GET/HEAD /api/assets/:id/file and /api/assets/:id/variants/:name: Range requests, ETag (the content hash) and
 * caching via `send`. Access: a project member's session or token, or a valid signed URL. HLS playlists are
 * rewritten on the way out so the files they name carry signatures too.
 */
export class AssetFiles {
  constructor(
    private readonly assets: AssetService,
    private readonly storage: BlobStorage,
    private readonly auth: Authenticator,
    private readonly signer: UrlSigner,
    private readonly logger: Logger
  ) {}

  handles(req: IncomingMessage): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && ROUTE.test((req.url ?? '').split('?')[0]);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = ROUTE.exec(url.pathname)!;
    const json = (status: number, code: string, message: string) => replyError(res, status, code, message, { 'Cache-Control': 'no-store' });
    try {
      const signature = this.signer.verify(url.pathname, url.searchParams);
      if (signature === 'expired') return json(403, 'link_expired', 'This file link has expired; reload the page (or ask the API for the asset again) for a fresh one.');
      if (signature === 'invalid') return json(403, 'bad_signature', 'This file link is not valid.');
      const user = signature === 'valid' ? null : ((await this.auth.authenticateRequest(req))?.user ?? null);
      if (signature === 'absent' && !user) return json(401, 'unauthorized', 'Sign in, send an API token, or use the signed URL from the asset JSON.');
      const file = await this.assets.fileFor(m[1], m[2] ?? null, { user, signed: signature === 'valid' });
      if (file.mime === HLS_PLAYLIST_MIME) return await this.playlist(req, res, m[1], file.sha256);
      const headers = fileHeaders(file, url.searchParams.get('download') === '1');
      if (!(this.storage instanceof LocalStorage)) return await this.proxy(req, res, file, headers);
      send(req, this.storage.pathOf(file.sha256), {
        etag: false,
        lastModified: false,
        cacheControl: false,
        dotfiles: 'allow'
      })
        .on('headers', (r: ServerResponse) => {
          for (const [k, v] of Object.entries(headers)) r.setHeader(k, v);
        })
        .on('error', (err: { status?: number; message: string }) => {
          if (err.status === 404) return json(404, 'not_found', MISSING);
          if (err.status === 416 || err.status === 412) return json(err.status, 'bad_range', err.message);
          this.logger.error({ err }, 'serving a file failed');
          json(500, 'internal', 'Could not read the file.');
        })
        .pipe(res);
    } catch (e) {
      if (e instanceof ApiError) return json(e.status, e.code, e.message);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return json(404, 'not_found', MISSING);
      this.logger.error({ err: e }, 'serving a file failed');
      json(500, 'internal', 'Could not serve the file; it has been logged.');
    }
  }

  /**
   * A remote store's bytes, streamed through by range with the same answers `send` gives for a local file
   * (206 with Content-Range, 304 for the hash as ETag, HEAD, 416), so players and workers see no difference.
   */
  private async proxy(req: IncomingMessage, res: ServerResponse, file: { sha256: string; bytes: number }, headers: Record<string, string>): Promise<void> {
    const etag = headers.ETag;
    const noneMatch = String(req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim());
    if (noneMatch.includes(etag) || noneMatch.includes('*')) return void res.writeHead(304, { ETag: etag, 'Cache-Control': headers['Cache-Control'] }).end();
    let range = byteRange(req.headers.range, file.bytes);
    const ifRange = req.headers['if-range'];
    if (range && ifRange && ifRange !== etag) range = null;
    if (range === 'unsatisfiable') {
      return replyError(res, 416, 'bad_range', `Range Not Satisfiable: the file has ${file.bytes} bytes.`, { 'Content-Range': `bytes */${file.bytes}`, 'Cache-Control': 'no-store' });
    }
    const { start, end } = range ?? { start: 0, end: file.bytes - 1 };
    const out: Record<string, string> = { ...headers, 'Accept-Ranges': 'bytes', 'Content-Length': String(Math.max(0, end - start + 1)) };
    if (range) out['Content-Range'] = `bytes ${start}-${end}/${file.bytes}`;
    if (req.method === 'HEAD' || file.bytes === 0) return void res.writeHead(range ? 206 : 200, out).end();
    const body = this.storage.read(file.sha256, { start, end });
    try {
      // The headers wait for the store's answer, so a missing object is still a 404.
      await new Promise<void>((ok, fail) => body.once('readable', ok).once('error', fail));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return replyError(res, 404, 'not_found', MISSING, { 'Cache-Control': 'no-store' });
      this.logger.error({ err: e }, 'reading a file from storage failed');
      return replyError(res, 502, 'storage_unavailable', 'The media storage did not answer; try again shortly.', { 'Cache-Control': 'no-store' });
    }
    res.writeHead(range ? 206 : 200, out);
    // A player that seeks closes the connection mid-body: nothing to report.
    await pipeline(body, res).catch(() => undefined);
  }

  /**
   * An HLS playlist names its neighbours (other variants of the asset) by relative URI; a player would fetch those
   * without the signature or the Authorization header it got this one with, so each becomes a signed URL.
   */
  private async playlist(req: IncomingMessage, res: ServerResponse, assetId: string, sha256: string): Promise<void> {
    const text = await readFile(await this.storage.localFile(sha256), 'utf8');
    const body = Buffer.from(signPlaylist(text, (name) => this.signer.sign(`/api/assets/${assetId}/variants/${name}`)));
    res.writeHead(200, {
      'Content-Type': HLS_PLAYLIST_MIME,
      'Content-Length': String(body.length),
      // The signatures inside expire: always ask again.
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff'
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

const MISSING = 'The file is missing from storage; it may have been deleted.';

/** What every file answer carries, whichever store it comes from. */
function fileHeaders(file: { sha256: string; mime: string; name: string }, download: boolean): Record<string, string> {
  const safe = file.name.replace(/[^\w.\- ]+/g, '_').slice(0, 150) || 'file';
  return {
    'Content-Type': file.mime,
    ETag: `"${file.sha256}"`,
    // Content-addressed: the bytes at a URL never change, but signed URLs expire, so private + long.
    'Cache-Control': 'private, max-age=3600, immutable',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; media-src 'self'; img-src 'self'; sandbox",
    'Content-Disposition': `${download ? 'attachment' : 'inline'}; filename="${safe}"; filename*=UTF-8''${encodeURIComponent(file.name)}`
  };
}

const VARIANT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The playlist with every URI that names a variant (a line of its own, or a tag's URI="…") replaced by `sign(name)`. */
export function signPlaylist(text: string, sign: (name: string) => string): string {
  return text
    .split('\n')
    .map((line) => {
      const uri = line.trim();
      if (uri && !uri.startsWith('#')) return VARIANT_NAME.test(uri) ? sign(uri) : line;
      return line.replace(/URI="([^"]*)"/g, (all, name: string) => (VARIANT_NAME.test(name) ? `URI="${sign(name)}"` : all));
    })
    .join('\n');
}
