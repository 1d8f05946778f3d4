import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { updateAssetSchema } from '$lib/server/asset/asset.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

// GET /api/assets/:id/file and /variants/:name are served before SvelteKit (Range requests, signed URLs).
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).assets.get(requireUser(locals), params.id)));

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const patch = await readJson(request, updateAssetSchema);
  return json(await (await getApp()).assets.update(user, params.id, patch));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).assets.delete(requireUser(locals), params.id);
  return new Response(null, { status: 204 });
});
