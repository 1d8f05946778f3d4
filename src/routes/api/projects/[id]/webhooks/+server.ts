import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { createWebhookSchema } from '$lib/server/webhook/webhook.schema';
import type { RequestHandler } from './$types';

/** The project's webhook endpoints (owner only; secrets are never listed). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).webhooks.list(requireUser(locals), params.id)));

/** {url, events, channelId?, enabled?}: the answer holds the signing secret, once. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const input = await readJson(request, createWebhookSchema);
  return json(await (await getApp()).webhooks.create(user, params.id, input), { status: 201 });
});
