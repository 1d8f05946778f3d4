import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Live takeover on the channel: whether the RTMP ingest runs (and what to install if not), where to publish, who has the air. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).takeover.status(requireUser(locals), params.channelId)));
