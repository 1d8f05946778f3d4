import type { IncomingMessage, ServerResponse } from 'node:http';
import send from 'send';
import type { Authenticator } from '../auth/authenticator';
import { ApiError } from '../http/api-error';
import type { Logger } from '../log';
import type { PodcastService } from './podcast.service';
import { recordingName } from './podcast.schema';
import { replyError } from '../http/node-reply';

const PUBLIC_ROUTE = /^\/podcasts\/([a-z0-9-]{1,64})\/(feed\.xml|artwork\.jpg|episodes\/([a-z2-7]{16})(?:\.(m4a|mp3)|\/(chapters\.json)))$/;
const RECORDING_ROUTE = /^\/api\/channels\/([a-z2-7]{16})\/recordings\/([^/]+)$/;

/**
 * The podcast's public URLs, served before SvelteKit (episode files are large and players ask for byte ranges):
 * /podcasts/:slug/feed.xml, artwork.jpg, episodes/:id.m4a|mp3 (Range, 206) and episodes/:id/chapters.json; and
 * members' playback of a channel's recordings at /api/channels/:id/recordings/:name.
 */
export class PodcastHttp {
  constructor(
    private readonly podcasts: PodcastService,
    private readonly auth: Authenticator,
    private readonly logger: Logger
  ) {}

  handles(req: IncomingMessage): boolean {
    const p = (req.url ?? '').split('?')[0];
    return (req.method === 'GET' || req.method === 'HEAD') && (PUBLIC_ROUTE.test(p) || RECORDING_ROUTE.test(p));
  }

  /** The configured public origin (ORIGIN); without one, the Host the request came to. */
  private originOf(req: IncomingMessage): string {
    const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() || 'http';
    return this.podcasts.origin(`${proto}://${req.headers.host ?? 'localhost'}`);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const fail = (status: number, code: string, message: string) => replyError(res, status, code, message, { 'Cache-Control': 'no-store' });
    try {
      const user = (await this.auth.authenticateRequest(req).catch(() => null))?.user ?? null;
      const r = RECORDING_ROUTE.exec(url.pathname);
      if (r) {
        const name = recordingName.safeParse(decodeURIComponent(r[2]));
        if (!name.success) return fail(404, 'not_found', 'No such recording.');
        return this.sendFile(req, res, await this.podcasts.recordingFile(user, r[1], name.data), 'audio/mp4', 'private, max-age=3600', fail);
      }
      const m = PUBLIC_ROUTE.exec(url.pathname)!;
      const [, slug, what, episodeId, ext, chapters] = m;
      // Feeds and files are for anyone's podcast app once published.
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (what === 'feed.xml') {
        const body = Buffer.from(await this.podcasts.feed(user, slug, this.originOf(req)));
        res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-cache', ...cors });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      if (what === 'artwork.jpg') return this.sendFile(req, res, await this.podcasts.artworkFile(user, slug), 'image/jpeg', 'public, max-age=300', fail);
      if (chapters) {
        const body = Buffer.from(await this.podcasts.chapters(user, slug, episodeId));
        res.writeHead(200, { 'Content-Type': 'application/json+chapters', 'Content-Length': String(body.length), 'Cache-Control': 'public, max-age=300', ...cors });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      const file = await this.podcasts.episodeFile(user, slug, episodeId, ext);
      return this.sendFile(req, res, file.file, file.mime, 'public, max-age=3600', fail);
    } catch (e) {
      if (e instanceof ApiError) return fail(e.status, e.code, e.message);
      this.logger.error({ err: e, url: req.url }, 'podcast route failed');
      fail(500, 'internal', 'Something went wrong on the server; it has been logged.');
    }
  }

  /** A file with Range (206), HEAD and the right type and length, via `send`. */
  private sendFile(req: IncomingMessage, res: ServerResponse, file: string, mime: string, cacheControl: string, fail: (s: number, c: string, m: string) => void): void {
    send(req, file, { etag: true, lastModified: true, cacheControl: false, dotfiles: 'allow' })
      .on('headers', (r: ServerResponse) => {
        r.setHeader('Content-Type', mime);
        r.setHeader('Cache-Control', cacheControl);
        r.setHeader('Access-Control-Allow-Origin', '*');
        r.setHeader('X-Content-Type-Options', 'nosniff');
      })
      .on('error', (err: { status?: number; message: string }) => {
        if (err.status === 404) return fail(404, 'not_found', 'The file is missing from storage.');
        if (err.status === 416 || err.status === 412) return fail(err.status, 'bad_range', err.message);
        this.logger.error({ err }, 'serving a podcast file failed');
        fail(500, 'internal', 'Could not read the file.');
      })
      .pipe(res);
  }
}
