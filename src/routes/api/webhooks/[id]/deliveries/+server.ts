import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The latest 50 deliveries, newest first: status, attempts, response code and error. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).webhooks.deliveries(requireUser(locals), params.id)));
