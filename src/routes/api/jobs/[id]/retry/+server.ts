import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).jobs.retry(requireUser(locals), params.id)));
