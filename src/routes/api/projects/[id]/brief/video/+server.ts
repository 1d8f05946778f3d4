import { json } from '@sveltejs/kit';
import { LISTING_RENDER_JOB, listingVideoRequest } from '$lib/listing-video';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** `{variants?, musicAssetId?, photoSeconds?, timeline?}`: 202 with the queued `listing.render` job made from the brief's photos. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, listingVideoRequest);
  return json(await (await getApp()).listingVideos.startFromBrief(user, params.id, body), { status: 202 });
});

/** The project's listing video jobs, newest first. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) =>
  json({ jobs: await (await getApp()).jobs.list(requireUser(locals), params.id, { type: LISTING_RENDER_JOB, limit: 50 }) })
);
