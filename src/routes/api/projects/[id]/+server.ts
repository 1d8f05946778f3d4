import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { updateProjectSchema } from '$lib/server/project/project.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).projects.get(requireUser(locals), params.id)));

/** `{name}` renames (editors); `{viewerUploads}` lets viewers upload for approval (owner). */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const app = await getApp();
  const patch = await readJson(request, updateProjectSchema);
  if (patch.viewerUploads !== undefined) await app.assets.setViewerUploads(user, params.id, patch.viewerUploads);
  if (patch.name !== undefined) await app.projects.rename(user, params.id, patch.name);
  return json(await app.projects.get(user, params.id));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).projects.delete(requireUser(locals), params.id);
  return new Response(null, { status: 204 });
});
