import { Readable } from 'node:stream';
import fs from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import type { AssetJson } from '$lib/asset';
import type { UserRow } from '../db/schema';
import { ApiError } from '../http/api-error';
import { privateHostRefusal } from '../http/private-address';
import { TooLarge, type BlobStorage } from '../storage/local-storage';
import type { AssetService } from '../asset/asset.service';

export interface RemoteMediaOptions {
  /** Loopback and private addresses only when the operator allows (API_FETCH_ALLOW_PRIVATE=1: tests, LAN setups). */
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
}

const MAX_REDIRECTS = 3;

/** Fetches media an API caller names by URL into the project's library (as the key's creator uploaded it). */
export class RemoteMediaFetcher {
  constructor(
    private readonly storage: BlobStorage,
    private readonly assets: AssetService,
    private readonly options: RemoteMediaOptions
  ) {}

  /** `field` names the request field in errors (e.g. photos.3.url). */
  async fetchInto(projectId: string, actor: UserRow, url: string, kind: 'image' | 'audio', field: string): Promise<AssetJson> {
    const refuse = (status: number, code: string, message: string) => new ApiError(status, code, `${field}: ${message}`);
    let target = new URL(url);
    let res: Response | undefined;
    for (let hop = 0; ; hop++) {
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw refuse(400, 'bad_url', `only http:// and https:// URLs are fetched (got ${target.protocol}).`);
      if (!this.options.allowPrivate) {
        const refused = await privateHostRefusal(target.href);
        if (refused?.reason === 'unresolvable') throw refuse(422, 'fetch_failed', `the host ${refused.host} does not resolve.`);
        if (refused) throw refuse(400, 'private_address', `${refused.host} is a loopback or private address; only public hosts are fetched.`);
      }
      try {
        res = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs), headers: { 'user-agent': 'airstudio-api-fetch' } });
      } catch (e) {
        const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : (e as Error).message;
        throw refuse(422, 'fetch_failed', `could not fetch ${target.href}: ${why}.`);
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) break;
      await res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw refuse(422, 'fetch_failed', `more than ${MAX_REDIRECTS} redirects.`);
      target = new URL(location, target);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw refuse(422, 'fetch_failed', `${target.href} answered HTTP ${res.status}.`);
    }
    const tooLarge = () => refuse(413, 'too_large', `the file is larger than ${Math.round(this.options.maxBytes / 1048576)} MiB, the most the API fetches.`);
    if (Number(res.headers.get('content-length') ?? 0) > this.options.maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    let spooled;
    try {
      spooled = await this.storage.spool(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), this.options.maxBytes);
    } catch (e) {
      if (e instanceof TooLarge) throw tooLarge();
      throw refuse(422, 'fetch_failed', `the download from ${target.href} broke off: ${(e as Error).message}.`);
    }
    // The content decides, not the URL's extension or the server's Content-Type.
    const type = await fileTypeFromFile(spooled.file).catch(() => undefined);
    if (!type?.mime.startsWith(`${kind}/`)) {
      await fs.rm(spooled.file, { force: true });
      throw refuse(415, kind === 'image' ? 'not_an_image' : 'not_audio', `${target.href} is not ${kind === 'image' ? 'an image' : 'audio'} (${type ? type.mime : 'unrecognised content'}).`);
    }
    let name = target.pathname.split('/').pop() || '';
    try {
      name = decodeURIComponent(name);
    } catch {
      /* a malformed escape: keep the name as sent */
    }
    name ||= `${kind}.${type.ext}`;
    try {
      const { asset } = await this.assets.ingest({ projectId, user: actor, file: spooled.file, sha256: spooled.sha256, bytes: spooled.bytes, originalName: name, meta: { tags: ['api'] } });
      return asset;
    } catch (e) {
      if (e instanceof ApiError) throw new ApiError(e.status, e.code, `${field}: ${e.message}`);
      throw e;
    }
  }
}
