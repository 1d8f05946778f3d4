import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { createPodcastSchema } from '$lib/server/podcast/podcast.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const { podcasts } = await getApp();
  return json({ podcasts: await podcasts.list(requireUser(locals), params.channelId, podcasts.origin(url.origin)) });
});

export const POST: RequestHandler = apiRoute(async ({ params, locals, request, url }) => {
  const user = requireUser(locals);
  const input = await readJson(request, createPodcastSchema);
  const { podcasts } = await getApp();
  return json(await podcasts.create(user, params.channelId, input, podcasts.origin(url.origin)), { status: 201 });
});
