import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

const body = z.strictObject({
  photoIds: z.array(z.string({ error: 'a photo id is a string' }).min(1).max(64), { error: 'photoIds is a list of brief photo ids' }).min(1, 'name at least one photo').max(100, 'at most 100 photos at once')
});

/** `{photoIds}`: 202 with one `photo.enhance` job per photo; each adds the enhanced copy to the library and links it from the brief. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { photoIds } = await readJson(request, body);
  return json({ jobs: await (await getApp()).photoEnhance.enhanceBrief(user, params.id, photoIds) }, { status: 202 });
});
