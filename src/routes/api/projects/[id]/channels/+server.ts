import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  const user = requireUser(locals);
  return json({ channels: await (await getApp()).channels.list(user, params.id) });
});

/** The answer carries `streamKey` once: only its hint is kept readable. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, createChannelSchema);
  return json(await (await getApp()).channels.create(user, params.id, input), { status: 201 });
});
