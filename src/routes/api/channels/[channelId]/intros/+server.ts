import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import { djIntroQuerySchema } from '$lib/server/dj/dj.schema';
import type { RequestHandler } from './$types';

/** ?from&to (ms): the DJ's intros planned in that range (default: the last hour and the next), oldest first. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const user = requireUser(locals);
  const { from, to } = djIntroQuerySchema.parse(Object.fromEntries(url.searchParams));
  return json({ intros: await (await getApp()).dj.intros(user, params.channelId, from, to) });
});
