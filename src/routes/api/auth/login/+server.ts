import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { loginSchema } from '$lib/server/auth/account.schema';
import { toMe } from '$lib/server/auth/user';
import { apiRoute, clientIp, readJson } from '$lib/server/http/api-route';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) => {
  const input = await readJson(event.request, loginSchema);
  const app = await getApp();
  const { user, token, expiresAt } = await app.accounts.login(input, clientIp(event), event.request.headers.get('user-agent'));
  setSessionCookie(event.cookies, event.url, token, expiresAt);
  return json({ user: toMe(user), token, expiresAt: new Date(expiresAt).toISOString() });
});
