import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** What is on air and next; no sign-in needed for public channels. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).live.nowPlaying(locals.user ?? null, params.slug), { headers: { 'Cache-Control': 'no-cache' } }));
