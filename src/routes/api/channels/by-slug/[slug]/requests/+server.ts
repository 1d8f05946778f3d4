import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, clientIp, readJson } from '$lib/server/http/api-route';
import { createRequestSchema, myRequestsQuerySchema } from '$lib/server/request/request.schema';
import type { RequestHandler } from './$types';

/** {assetId, guestId?, name?, message?}: a listener (guests too) requests a song; rate-limited per address and per listener. */
export const POST: RequestHandler = apiRoute(async (event) => {
  const { assetId, guestId, name, message } = await readJson(event.request, createRequestSchema);
  const who = { user: event.locals.user ?? null, ip: clientIp(event), guestId };
  return json(await (await getApp()).requests.create(who, event.params.slug, assetId, { name, message }), { status: 201 });
});

/** ?guestId=: the caller's own requests (their account's when signed in) and what became of them. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { guestId } = myRequestsQuerySchema.parse(Object.fromEntries(url.searchParams));
  return json({ requests: await (await getApp()).requests.mine({ user: locals.user ?? null, guestId }, params.slug) });
});
