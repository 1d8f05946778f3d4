import { json } from '@sveltejs/kit';
import { canEdit } from '$lib/editor/model/role';
import { getApp } from '$lib/server/app';
import { forbidden } from '$lib/server/http/api-error';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api-route';
import { enqueueJobSchema, listJobsSchema } from '$lib/server/job/job.schema';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async ({ params, locals, url }) => {
  const f = listJobsSchema.parse(Object.fromEntries(url.searchParams));
  return json({ jobs: await (await getApp()).jobs.list(requireUser(locals), params.id, f) });
});

/** Diagnostic jobs (echo, sleep) for checking workers end to end. */
export const POST: RequestHandler = apiRoute(async ({ params, locals, request }) => {
  const user = requireUser(locals);
  const app = await getApp();
  const body = await readJson(request, enqueueJobSchema);
  if (!canEdit(await app.projects.requireRole(user.id, params.id))) throw forbidden('Viewers cannot start jobs.');
  const { job, created } = await app.jobs.enqueue(params.id, { ...body, input: body.input ?? null, createdBy: user.id });
  return json(job, { status: created ? 201 : 200 });
});
