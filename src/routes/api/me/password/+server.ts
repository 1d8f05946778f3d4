import { getApp } from '$lib/server/app';
import { changePasswordSchema } from '$lib/server/auth/account.schema';
import { apiRoute, clientIp, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Changes the password and ends every other session of the user (this one and API tokens stay valid). */
export const POST: RequestHandler = apiRoute(async (event) => {
  const user = requireUser(event.locals);
  const input = await readJson(event.request, changePasswordSchema);
  await (await getApp()).accounts.changePassword(user, input, clientIp(event), event.locals.sessionId);
  return new Response(null, { status: 204 });
});
