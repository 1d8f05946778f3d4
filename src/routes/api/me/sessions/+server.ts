import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ locals }) => {
  const user = requireUser(locals);
  return json({ sessions: await (await getApp()).sessions.list(user.id, locals.sessionId) });
});
