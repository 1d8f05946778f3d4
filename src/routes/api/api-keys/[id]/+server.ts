import { json } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { apiRoute, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

/** Revokes the key: it answers 401 from then on; the row stays for the record. */
export const DELETE: RequestHandler = apiRoute(async ({ params, locals }) => json(await (await getApp()).apiKeys.revoke(requireUser(locals), params.id)));
