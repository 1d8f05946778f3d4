import { getApp } from '$lib/server/app';
import { z } from 'zod';
import { apiRoute, readJson } from '$lib/server/http/api-route';
import { clearSessionCookie } from '$lib/server/http/session-cookie';
import type { RequestHandler } from './$types';

const logoutSchema = z.object({ everywhere: z.boolean().default(false) });

/** Ends this session, or with `{"everywhere": true}` every session of the user (API tokens stay valid). */
export const POST: RequestHandler = apiRoute(async ({ locals, cookies, url, request }) => {
  const { everywhere } = await readJson(request, logoutSchema);
  const app = await getApp();
  if (everywhere && locals.user) await app.sessions.invalidateAll(locals.user.id);
  else if (locals.sessionId) await app.sessions.invalidate(locals.sessionId);
  clearSessionCookie(cookies, url);
  return new Response(null, { status: 204 });
});
