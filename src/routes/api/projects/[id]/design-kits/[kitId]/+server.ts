import { json } from '@sveltejs/kit';
import { kitPatch } from '$lib/design-kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).designKits.get(requireUser(locals), params.id, params.kitId)));

/** Any of {name, description, palette}. */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, kitPatch);
  return json(await (await getApp()).designKits.update(user, params.id, params.kitId, body));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).designKits.delete(requireUser(locals), params.id, params.kitId);
  return new Response(null, { status: 204 });
});
