import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { createApiKeySchema } from '$lib/server/api-key/api-key.schema';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The project's API keys (owners and editors; the key and signing secret are never listed). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json({ keys: await (await getApp()).apiKeys.list(requireUser(locals), params.id) }));

/** {name, scopes}: the answer holds the key and its callback signing secret, once. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, createApiKeySchema);
  return json(await (await getApp()).apiKeys.create(user, params.id, input), { status: 201 });
});
