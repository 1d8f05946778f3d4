import { json } from '@sveltejs/kit';
import { cutoutRequest } from '$lib/design-kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/**
 * {assetId, points: [[x, y], …] in 0–1 of the photo, feather?, refine?}: cuts the outlined object out of a library photo
 * into the kit as a PNG with transparency. The answer's `refinement` says whether a segmentation model refined it.
 */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, cutoutRequest);
  return json(await (await getApp()).designKits.cutout(user, params.id, params.kitId, body), { status: 201 });
});
