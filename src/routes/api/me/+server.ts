import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { updateMeSchema } from '$lib/server/auth/account.schema';
import { toMe } from '$lib/server/auth/user';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ locals }) => json({ user: toMe(requireUser(locals)) }));

export const PATCH: RequestHandler = apiRoute(async ({ locals, request }) => {
  const user = requireUser(locals);
  const { displayName } = await readJson(request, updateMeSchema);
  return json({ user: toMe(await (await getApp()).accounts.updateDisplayName(user.id, displayName)) });
});
