import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

const body = z.strictObject({
  /** The brief photos to analyse; left out: all of them. */
  photoIds: z.array(z.string({ error: 'a photo id is a string' }).min(1).max(64), { error: 'photoIds is a list of brief photo ids' }).min(1, 'name at least one photo, or leave photoIds out for all').max(2000, 'at most 2000 photos at once').optional()
});

/** `{photoIds?}`: 202 with the queued `photo.analyze` jobs (one per batch); each writes its results into the brief. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { photoIds } = await readJson(request, body);
  return json({ jobs: await (await getApp()).photoAnalysis.analyzeBrief(user, params.id, photoIds) }, { status: 202 });
});
