import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The stream page's channel info; needs no sign-in for public channels. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).channels.publicBySlug(locals.user ?? null, params.slug)));
