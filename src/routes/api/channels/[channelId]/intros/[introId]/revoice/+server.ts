import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Voices the line again as it is (after a voice change or a failed voicing). */
export const POST: RequestHandler = apiRoute(async ({ params, locals }) => {
  return json(await (await getApp()).dj.revoice(requireUser(locals), params.channelId, params.introId), { status: 202 });
});
