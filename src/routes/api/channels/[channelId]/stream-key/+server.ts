import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Rotates the live ingest key; the answer shows the new key once. */
export const POST: RequestHandler = apiRoute(async ({ params, locals }) =>
  json(await (await getApp()).channels.rotateStreamKey(requireUser(locals), params.channelId))
);
