import { readFile } from 'node:fs/promises';
import { getApp } from '$lib/server/app';
import { ApiError } from '$lib/server/http/api-error';
import { apiRoute } from '$lib/server/http/api-route';
import { byteRange } from '$lib/server/http/byte-range';
import type { RequestHandler } from './$types';

/**
 * The intro's voice (WAV): for members, or by the signed URL the live worker and the studio's player get. Byte ranges
 * are honoured: ffmpeg and players seek with them, and a whole body where a range was asked for misplaces what they read.
 */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url, request }) => {
  const app = await getApp();
  const signature = app.signer.verify(url.pathname, url.searchParams);
  if (signature === 'expired') throw new ApiError(403, 'link_expired', 'This audio link has expired; reload the intros for a fresh one.');
  if (signature === 'invalid') throw new ApiError(403, 'bad_signature', 'This audio link is not valid.');
  if (signature === 'absent' && !locals.user) throw new ApiError(401, 'unauthorized', 'Sign in, send an API token, or use the signed URL from the intro JSON.');
  const { sha256 } = await app.dj.audioOf(locals.user ?? null, params.channelId, params.introId, signature === 'valid');
  const file = await app.storage.localFile(sha256).catch(() => null);
  const body = file && (await readFile(file).catch(() => null));
  if (!body) throw new ApiError(404, 'not_found', 'The voice file is missing from storage; voice the intro again.');
  const headers = { 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=3600', etag: `"${sha256}"`, 'x-content-type-options': 'nosniff' };
  const range = byteRange(request.headers.get('range'), body.length);
  if (range === 'unsatisfiable') throw new ApiError(416, 'bad_range', `The voice has ${body.length} bytes; that range is outside it.`);
  if (!range) return new Response(new Uint8Array(body), { headers: { ...headers, 'content-length': String(body.length) } });
  return new Response(new Uint8Array(body.subarray(range.start, range.end + 1)), {
    status: 206,
    headers: { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${body.length}` }
  });
});
