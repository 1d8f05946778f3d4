import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The team's request queue: pending requests, and those played in the last hour. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).requests.queue(requireUser(locals), params.channelId)));
