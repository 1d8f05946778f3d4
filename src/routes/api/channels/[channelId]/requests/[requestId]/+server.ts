import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Owners and editors take a pending request out of the queue. */
export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).requests.remove(requireUser(locals), params.channelId, params.requestId);
  return new Response(null, { status: 204 });
});
