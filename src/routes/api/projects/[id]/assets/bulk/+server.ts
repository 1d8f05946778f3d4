import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { bulkAssetsSchema } from '$lib/server/asset/asset.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, bulkAssetsSchema);
  return json({ assets: await (await getApp()).assets.bulk(user, params.id, body) });
});
