import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** `{...options}` for the tool (cleanup, silence, scenes, stabilize): 202 with the queued job; its result names the new asset and the findings. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  // The tool's own options schema is applied by the service, which knows the tool; here only "a JSON object".
  const body = await readJson(request, z.record(z.string(), z.unknown(), { error: 'The body must be a JSON object of the tool’s options.' }));
  return json(await (await getApp()).tools.start(user, params.id, params.tool, body), { status: 202 });
});
