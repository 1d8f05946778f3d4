import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import { upcomingQuerySchema } from '$lib/server/live/live.schema';
import type { RequestHandler } from './$types';

/** ?count=: the channel's next items as it will air them (empty off air), for the schedule view's "Upcoming on air". */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { count } = upcomingQuerySchema.parse(Object.fromEntries(url.searchParams));
  return json(await (await getApp()).live.upcomingView(requireUser(locals), params.channelId, count));
});
