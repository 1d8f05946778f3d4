import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { creditPricesSchema } from '$lib/server/credit/credit.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ locals }) => json({ prices: await (await getApp()).credits.operatorPrices(requireUser(locals)) }));

/** `{prices: {<job type>: <credits per minute>}}`: the operator sets the prices of the types named. */
export const PUT: RequestHandler = apiRoute(async ({ locals, request }) => {
  const user = requireUser(locals);
  const { prices } = await readJson(request, creditPricesSchema);
  return json({ prices: await (await getApp()).credits.setPrices(user, prices) });
});
