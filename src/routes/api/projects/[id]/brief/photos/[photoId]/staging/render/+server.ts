import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** 202 with the queued `staging.render` job that composites the photo's staging board; its result becomes the photo's staged copy. */
export const POST: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).staging.render(requireUser(locals), params.id, params.photoId), { status: 202 }));
