import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { updateProvidersSchema } from '$lib/server/ai/providers.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The project's language model and voice; API keys show only as `hasKey`. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).providers.get(requireUser(locals), params.id)));

/** {llm?: {baseUrl, model, apiKey}, tts?: {engine, voice, rate, pitch, baseUrl?, model?, apiKey?}} (owners and editors). */
export const PUT: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, updateProvidersSchema);
  return json(await (await getApp()).providers.update(user, params.id, input));
});
