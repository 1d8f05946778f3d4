import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** The staging brief as it is now (read-only: edits go through the project's Yjs document). */
export const GET: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).briefs.read(requireUser(locals), params.id)));
