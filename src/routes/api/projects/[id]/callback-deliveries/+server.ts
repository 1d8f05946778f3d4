import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The delivery log of the project's API request callbacks (callbackUrl), newest first. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).webhooks.callbackDeliveries(requireUser(locals), params.id)));
