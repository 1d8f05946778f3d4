import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Takes the image out of the kit (placements that used a cut-out stay on boards until removed; a render refuses them). */
export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).designKits.removeItem(requireUser(locals), params.id, params.kitId, params.itemId);
  return new Response(null, { status: 204 });
});
