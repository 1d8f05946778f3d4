import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { providerTestSchema } from '$lib/server/ai/providers.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** {kind: 'llm' | 'tts' | 'music'}: tries the saved settings; `{ok, message}` says what worked or what is wrong. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { kind } = await readJson(request, providerTestSchema);
  return json(await (await getApp()).providers.test(user, params.id, kind));
});
