import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { z } from 'zod';
import type { RequestHandler } from './$types';

/** The channel's generator: settings, hours buffered and state, speed, chunks per prompt, what is being made. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => {
  return json({ generator: await (await getApp()).generator.status(requireUser(locals), params.channelId) });
});

/** Changes any of enabled, prompts, rotateSeconds, chunkSeconds, thresholds, parallel (editors and owners). */
export const PATCH: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const body = await readJson(request, z.unknown());
  return json({ generator: await (await getApp()).generator.update(user, params.channelId, body) });
});
