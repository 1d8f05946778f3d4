import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import { creditPageSchema } from '$lib/server/credit/credit.schema';
import type { RequestHandler } from './$types';

/** `?limit&before`: the owner's balance, the prices, and the project's charges and refunds, newest first. */
export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const page = creditPageSchema.parse(Object.fromEntries(url.searchParams));
  return json(await (await getApp()).credits.forProject(requireUser(locals), params.id, page));
});
