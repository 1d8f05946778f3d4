import { apiRoute } from '$lib/server/http/api-route';
import { nowPlayingAnswer } from '$lib/server/live/now-playing-answer';
import type { RequestHandler } from './$types';

/** The first release's path for `GET /api/channels/:slug/now-playing`, kept for its clients. */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => nowPlayingAnswer(locals.user ?? null, params.slug));
