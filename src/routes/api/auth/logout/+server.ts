import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import { clearSessionCookie } from '$lib/server/http/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ locals, cookies, url }) => {
  if (locals.sessionId) await (await getApp()).sessions.invalidate(locals.sessionId);
  clearSessionCookie(cookies, url);
  return new Response(null, { status: 204 });
});
