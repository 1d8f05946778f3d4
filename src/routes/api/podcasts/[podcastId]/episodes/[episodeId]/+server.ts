import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { updateEpisodeSchema } from '$lib/server/podcast/podcast.schema';
import type { RequestHandler } from './$types';

/** Title, description, published (unpublish takes it out of the feed) and publishAt. */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request, url }) => {
  const user = requireUser(locals);
  const patch = await readJson(request, updateEpisodeSchema);
  const { podcasts } = await getApp();
  return json(await podcasts.updateEpisode(user, params.podcastId, params.episodeId, patch, podcasts.origin(url.origin)));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).podcasts.deleteEpisode(requireUser(locals), params.podcastId, params.episodeId);
  return new Response(null, { status: 204 });
});
