import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { creditGrantSchema } from '$lib/server/credit/credit.schema';
import type { RequestHandler } from './$types';

/** `{username, amount, note?}`: the operator adds credits to a user's account (a negative amount takes some back). */
export const POST: RequestHandler = apiRoute(async ({ locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, creditGrantSchema);
  return json(await (await getApp()).credits.grant(user, body), { status: 201 });
});
