import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import { requireApiKey } from '$lib/server/integration/api-v1-route';
import type { RequestHandler } from './$types';

/** Status, progress, result and error of a job of the key's project. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).integration.job(requireApiKey(locals), params.id)));
