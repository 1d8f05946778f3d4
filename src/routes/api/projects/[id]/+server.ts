import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { renameProjectSchema } from '$lib/server/project/project.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).projects.get(requireUser(locals), params.id)));

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { name } = await readJson(request, renameProjectSchema);
  return json(await (await getApp()).projects.rename(user, params.id, name));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).projects.delete(requireUser(locals), params.id);
  return new Response(null, { status: 204 });
});
