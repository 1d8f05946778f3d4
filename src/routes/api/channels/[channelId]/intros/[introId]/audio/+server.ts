import { readFile } from 'node:fs/promises';
import { getApp } from '$lib/server/app';
import { ApiError } from '$lib/server/http/api-error';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The intro's voice (WAV): for members, or by the signed URL the live worker and the studio's player get. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const app = await getApp();
  const signature = app.signer.verify(url.pathname, url.searchParams);
  if (signature === 'expired') throw new ApiError(403, 'link_expired', 'This audio link has expired; reload the intros for a fresh one.');
  if (signature === 'invalid') throw new ApiError(403, 'bad_signature', 'This audio link is not valid.');
  if (signature === 'absent' && !locals.user) throw new ApiError(401, 'unauthorized', 'Sign in, send an API token, or use the signed URL from the intro JSON.');
  const { sha256 } = await app.dj.audioOf(locals.user ?? null, params.channelId, params.introId, signature === 'valid');
  const file = await app.storage.localFile(sha256).catch(() => null);
  const body = file && (await readFile(file).catch(() => null));
  if (!body) throw new ApiError(404, 'not_found', 'The voice file is missing from storage; voice the intro again.');
  return new Response(new Uint8Array(body), {
    headers: { 'content-type': 'audio/wav', 'content-length': String(body.length), 'cache-control': 'private, max-age=3600', etag: `"${sha256}"`, 'x-content-type-options': 'nosniff' }
  });
});
