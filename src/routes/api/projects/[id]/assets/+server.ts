import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { listAssetsSchema } from '$lib/server/asset/asset.schema';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

// POST (multipart upload) is served before SvelteKit by the upload server, which streams the body.
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const f = listAssetsSchema.parse(Object.fromEntries(url.searchParams));
  return json(await (await getApp()).assets.list(requireUser(locals), params.id, f));
});
