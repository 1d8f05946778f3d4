import { json } from '@sveltejs/kit';
import { kitInput } from '$lib/design-kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The design kits this project shows (its owner's, shared by all their projects), with their images, and whether drawn cut-outs are refined here. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  const { designKits } = await getApp();
  return json({ kits: await designKits.list(requireUser(locals), params.id), refinement: designKits.refinement() });
});

/** {name, description?, palette?}: a new kit, owned by the project's owner. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, kitInput);
  return json(await (await getApp()).designKits.create(user, params.id, body), { status: 201 });
});
