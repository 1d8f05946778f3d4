import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { createEpisodeSchema } from '$lib/server/podcast/podcast.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { podcasts } = await getApp();
  return json({ episodes: await podcasts.episodes(requireUser(locals), params.podcastId, podcasts.origin(url.origin)) });
});

/** `{source: "recording", start, end, title}` cuts the air from the recordings; `{source: "asset", assetId}` takes library audio. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request, url }) => {
  const user = requireUser(locals);
  const input = await readJson(request, createEpisodeSchema);
  const { podcasts } = await getApp();
  return json(await podcasts.createEpisode(user, params.podcastId, input, podcasts.origin(url.origin)), { status: 201 });
});
