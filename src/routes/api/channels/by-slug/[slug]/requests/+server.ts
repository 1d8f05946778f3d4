import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, clientIp, readJson } from '$lib/server/http/api-route';
import { createRequestSchema } from '$lib/server/request/request.schema';
import type { RequestHandler } from './$types';

/** {assetId, guestId?}: a listener (guests too) requests a song; rate-limited per address and per listener. */
export const POST: RequestHandler = apiRoute(async (event) => {
  const { assetId, guestId } = await readJson(event.request, createRequestSchema);
  const who = { user: event.locals.user ?? null, ip: clientIp(event), guestId };
  return json(await (await getApp()).requests.create(who, event.params.slug, assetId), { status: 201 });
});
