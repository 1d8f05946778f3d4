import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { updateChannelSchema } from '$lib/server/channel/channel.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).channels.get(requireUser(locals), params.channelId)));

/** Secrets left empty keep their stored values. */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const patch = await readJson(request, updateChannelSchema);
  return json(await (await getApp()).channels.update(user, params.channelId, patch));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).channels.delete(requireUser(locals), params.channelId);
  return new Response(null, { status: 204 });
});
