import { apiRoute } from '$lib/server/http/api-route';
import { nowPlayingAnswer } from '$lib/server/live/now-playing-answer';
import type { RequestHandler } from './$types';

/** `GET /api/channels/:slug/now-playing` (a channel id works too). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => nowPlayingAnswer(locals.user ?? null, params.channelId));
