import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Queues a `ping` delivery to the endpoint; follow it in the deliveries log. */
export const POST: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).webhooks.ping(requireUser(locals), params.id), { status: 202 }));
