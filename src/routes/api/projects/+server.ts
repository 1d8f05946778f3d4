import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { createProjectSchema } from '$lib/server/project/project.schema';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ request, locals }) => {
  const user = requireUser(locals);
  const { name } = await readJson(request, createProjectSchema);
  return json(await (await getApp()).projects.create(user, name), { status: 201 });
});

export const GET: RequestHandler = apiRoute(async ({ locals }) => {
  const user = requireUser(locals);
  return json({ projects: await (await getApp()).projects.list(user) });
});
