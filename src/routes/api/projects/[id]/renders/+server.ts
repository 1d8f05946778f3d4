import { json } from '@sveltejs/kit';
import { TIMELINE_RENDER } from '$lib/render';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { startRenderSchema } from '$lib/server/render/render.service';
import type { RequestHandler } from './$types';

/** `{preset?, range?, hls?}`: renders the timeline as it is now (with the HLS ladder when `hls`); the result lands in the library. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, startRenderSchema);
  return json(await (await getApp()).renders.start(user, params.id, body), { status: 201 });
});

export const GET: RequestHandler = apiRoute(async ({ params, locals }) =>
  json({ renders: await (await getApp()).jobs.list(requireUser(locals), params.id, { type: TIMELINE_RENDER, limit: 50 }) })
);
