import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { updatePodcastSchema } from '$lib/server/podcast/podcast.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { podcasts } = await getApp();
  return json(await podcasts.get(requireUser(locals), params.podcastId, podcasts.origin(url.origin)));
});

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request, url }) => {
  const user = requireUser(locals);
  const patch = await readJson(request, updatePodcastSchema);
  const { podcasts } = await getApp();
  return json(await podcasts.update(user, params.podcastId, patch, podcasts.origin(url.origin)));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).podcasts.delete(requireUser(locals), params.podcastId);
  return new Response(null, { status: 204 });
});
