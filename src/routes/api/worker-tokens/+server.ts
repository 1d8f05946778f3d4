import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

const createSchema = z.object({ name: z.string().trim().min(1, 'Give the worker a name, e.g. "render box".').max(80).default('worker') });

/** A worker token runs jobs of the projects its creator owns. */
export const POST: RequestHandler = apiRoute(async ({ request, locals }) => {
  const user = requireUser(locals);
  const { name } = await readJson(request, createSchema);
  const { token, info } = await (await getApp()).workerTokens.createForUser(user, name);
  return json({ ...info, token }, { status: 201 });
});

export const GET: RequestHandler = apiRoute(async ({ locals }) => json({ tokens: await (await getApp()).workerTokens.list(requireUser(locals)) }));
