import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import { requestableQuerySchema } from '$lib/server/request/request.schema';
import type { RequestHandler } from './$types';

/** ?q=&limit=&offset=: the songs listeners may request (public channels with requests on; no sign-in needed). */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const q = requestableQuerySchema.parse(Object.fromEntries(url.searchParams));
  return json(await (await getApp()).requests.requestable(locals.user ?? null, params.slug, q.q, q.limit, q.offset));
});
