import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The channel's recording files and the shows they hold; each file plays at /api/channels/:id/recordings/:name. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).podcasts.listRecordings(requireUser(locals), params.channelId)));
