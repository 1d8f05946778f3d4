import { json } from '@sveltejs/kit';
import { toMe } from '$lib/server/auth/user';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ locals }) => json({ user: toMe(requireUser(locals)) }));
