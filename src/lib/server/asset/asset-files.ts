import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import send from 'send';
import { HLS_PLAYLIST_MIME } from '$lib/render';
import type { Authenticator } from '../auth/authenticator';
import { ApiError } from '../http/api-error';
import type { Logger } from '../log';
import type { BlobStorage } from '../storage/local-storage';
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
      const download = url.searchParams.get('download') === '1';
      send(req, this.storage.pathOf(file.sha256), {
        etag: false,
        lastModified: false,
        // Content-addressed: the bytes at a URL never change, but signed URLs expire, so private + long.
        cacheControl: false,
        dotfiles: 'allow'
      })
        .on('headers', (r: ServerResponse) => {
          r.setHeader('Content-Type', file.mime);
          r.setHeader('ETag', `"${file.sha256}"`);
          r.setHeader('Cache-Control', 'private, max-age=3600, immutable');
          r.setHeader('X-Content-Type-Options', 'nosniff');
          r.setHeader('Content-Security-Policy', "default-src 'none'; media-src 'self'; img-src 'self'; sandbox");
          const safe = file.name.replace(/[^\w.\- ]+/g, '_').slice(0, 150) || 'file';
          r.setHeader('Content-Disposition', `${download ? 'attachment' : 'inline'}; filename="${safe}"; filename*=UTF-8''${encodeURIComponent(file.name)}`);
        })
        .on('error', (err: { status?: number; message: string }) => {
          if (err.status === 404) return json(404, 'not_found', 'The file is missing from storage; it may have been deleted.');
          if (err.status === 416 || err.status === 412) return json(err.status, 'bad_range', err.message);
          this.logger.error({ err }, 'serving a file failed');
          json(500, 'internal', 'Could not read the file.');
        })
        .pipe(res);
    } catch (e) {
      if (e instanceof ApiError) return json(e.status, e.code, e.message);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return json(404, 'not_found', 'The file is missing from storage; it may have been deleted.');
      this.logger.error({ err: e }, 'serving a file failed');
      json(500, 'internal', 'Could not serve the file; it has been logged.');
    }
  }

  /**
   * An HLS playlist names its neighbours (other variants of the asset) by relative URI; a player would fetch those
   * without the signature or the Authorization header it got this one with, so each becomes a signed URL.
   */
  private async playlist(req: IncomingMessage, res: ServerResponse, assetId: string, sha256: string): Promise<void> {
    const text = await readFile(this.storage.pathOf(sha256), 'utf8');
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
