import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { videoGenerationRequest } from '$lib/video-generation';
import type { RequestHandler } from './$types';

/** {prompt, seconds?, size?, imageAssetId?}: 202 with the queued `ai.video` job; 409 when the project has no video server. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, videoGenerationRequest);
  return json(await (await getApp()).videoGeneration.start(user, params.id, body), { status: 202 });
});
