import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { djPersonaSchema } from '$lib/server/dj/dj.schema';
import type { RequestHandler } from './$types';

/** The channel's DJ persona: name, style prompt, voice, policy (members read it). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  return json(await (await getApp()).dj.persona(requireUser(locals), params.channelId));
});

/** Sets the whole persona (owners and editors); turning it on schedules intros for what is coming up. */
export const PUT: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, djPersonaSchema);
  return json(await (await getApp()).dj.savePersona(user, params.channelId, input));
});
