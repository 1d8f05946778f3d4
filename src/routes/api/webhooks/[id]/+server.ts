import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { updateWebhookSchema } from '$lib/server/webhook/webhook.schema';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const patch = await readJson(request, updateWebhookSchema);
  return json(await (await getApp()).webhooks.update(user, params.id, patch));
});

export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => {
  await (await getApp()).webhooks.delete(requireUser(locals), params.id);
  return new Response(null, { status: 204 });
});
