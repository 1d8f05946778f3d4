import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { stageWithProviderRequest } from '$lib/staging/staging-job';
import type { RequestHandler } from './$types';

/** GET: whether the project has a staging provider. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json({ configured: await (await getApp()).staging.providerConfigured(requireUser(locals), params.id) }));

/** {prompt?}: 202 with the queued job that asks the staging provider; 409 when the project has none. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { prompt } = await readJson(request, stageWithProviderRequest);
  return json(await (await getApp()).staging.stageWithProvider(user, params.id, params.photoId, prompt), { status: 202 });
});
