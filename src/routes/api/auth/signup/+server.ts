import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { signupSchema } from '$lib/server/auth/account.schema';
import { toMe } from '$lib/server/auth/user';
import { apiRoute, readJson } from '$lib/server/http/api-route';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ request, cookies, url }) => {
  const input = await readJson(request, signupSchema);
  const app = await getApp();
  const { user, token, expiresAt } = await app.accounts.signup(input, request.headers.get('user-agent'));
  setSessionCookie(cookies, url, token, expiresAt);
  return json({ user: toMe(user), token, expiresAt: new Date(expiresAt).toISOString() }, { status: 201 });
});
