import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { addMemberSchema } from '$lib/server/project/project.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals }) =>
  json({ members: await (await getApp()).projects.members(requireUser(locals), params.id) })
);

/** Adds a member by username, or changes an existing member's role. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const { username, role } = await readJson(request, addMemberSchema);
  return json({ members: await (await getApp()).projects.addMember(user, params.id, username, role) }, { status: 201 });
});
