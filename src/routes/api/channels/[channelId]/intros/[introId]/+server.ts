import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { djIntroEditSchema } from '$lib/server/dj/dj.schema';
import type { RequestHandler } from './$types';

/** {text}: a person rewrites the line; it is voiced again (status queued → voicing → ready). */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { text } = await readJson(request, djIntroEditSchema);
  return json(await (await getApp()).dj.editIntro(user, params.channelId, params.introId, text));
});
