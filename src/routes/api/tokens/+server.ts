import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import type { RequestHandler } from './$types';

const createTokenSchema = z.object({ name: z.string().trim().min(1, 'Give the token a name, e.g. "render box".').max(80).default('API token') });

export const POST: RequestHandler = apiRoute(async ({ request, locals }) => {
  const user = requireUser(locals);
  const { name } = await readJson(request, createTokenSchema);
  const { token, info } = await (await getApp()).tokens.create(user.id, name);
  return json({ ...info, token }, { status: 201 });
});

export const GET: RequestHandler = apiRoute(async ({ locals }) => {
  const user = requireUser(locals);
  return json({ tokens: await (await getApp()).tokens.list(user.id) });
});
