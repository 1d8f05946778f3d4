import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import { playLogQuerySchema } from '$lib/server/live/live.schema';
import type { RequestHandler } from './$types';

/** ?limit=: the channel's play log, newest first: what aired, when, and to how many listeners. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { limit } = playLogQuerySchema.parse(Object.fromEntries(url.searchParams));
  return json({ plays: await (await getApp()).playLog.recent(requireUser(locals), params.channelId, limit) });
});
