import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { liveActionSchema } from '$lib/server/live/live.schema';
import type { RequestHandler } from './$types';

/** The channel's live output: off air, starting, on air, or error (with the message), and its health. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).live.status(requireUser(locals), params.channelId)));

/** {action: 'start' | 'stop'}: owners and editors put the channel on air (one live job per channel) or take it off. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { action } = await readJson(request, liveActionSchema);
  const live = (await getApp()).live;
  return json(action === 'start' ? await live.start(user, params.channelId) : await live.stop(user, params.channelId), { status: action === 'start' ? 202 : 200 });
});
