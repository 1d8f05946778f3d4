import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** What is on air and next, with the listener count; no sign-in needed for public channels. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  const app = await getApp();
  const view = await app.live.nowPlaying(locals.user ?? null, params.slug);
  // nowPlaying has already refused unknown and private channels; this lookup only maps the slug to its id.
  const channel = await app.channels.findBySlugFor(locals.user?.id ?? null, params.slug);
  return json({ ...view, listeners: channel ? app.listeners.count(channel.id) : 0 }, { headers: { 'Cache-Control': 'no-cache' } });
});
