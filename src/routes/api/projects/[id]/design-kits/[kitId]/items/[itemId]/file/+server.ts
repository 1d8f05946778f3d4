import { readFile } from 'node:fs/promises';
import { getApp } from '$lib/server/app';
import { ApiError } from '$lib/server/http/api-error';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The kit image: for members of a project that shows the kit, or by the signed URL the staging render gets. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const app = await getApp();
  const signature = app.signer.verify(url.pathname, url.searchParams);
  if (signature === 'expired') throw new ApiError(403, 'link_expired', 'This image link has expired.');
  if (signature === 'invalid') throw new ApiError(403, 'bad_signature', 'This image link is not valid.');
  if (signature === 'absent' && !locals.user) throw new ApiError(401, 'unauthorized', 'Sign in or send an API token.');
  const user = signature === 'valid' ? null : (locals.user ?? null);
  const file = await app.designKits.itemFile(user, params.id, params.kitId, params.itemId, signature === 'valid');
  const body = await app.storage
    .localFile(file.sha256)
    .then((f) => readFile(f))
    .catch(() => {
      throw new ApiError(404, 'not_found', 'The image is missing from storage.');
    });
  return new Response(new Uint8Array(body), {
    headers: {
      'content-type': file.mime,
      'content-length': String(body.length),
      'cache-control': 'private, max-age=3600, immutable',
      etag: `"${file.sha256}"`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox"
    }
  });
});
