import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { changeRoleSchema } from '$lib/server/project/project.schema';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { role } = await readJson(request, changeRoleSchema);
  return json({ members: await (await getApp()).projects.addMember(user, params.id, params.username, role) });
});

/** Removes a member; any member may remove themselves (leave). */
export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).projects.removeMember(requireUser(locals), params.id, params.username);
  return new Response(null, { status: 204 });
});
