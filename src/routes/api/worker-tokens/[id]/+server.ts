import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).workerTokens.revoke(requireUser(locals), params.id);
  return new Response(null, { status: 204 });
});
