import { redirect } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { actionFailure, parseForm, requireLogin } from '$lib/server/http/pages';
import { createProjectSchema } from '$lib/server/project/project.schema';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireLogin(locals, url);
  return { projects: await (await getApp()).projects.list(user) };
};

export const actions: Actions = {
  create: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    const form = await request.formData();
    let id: string;
    try {
      ({ id } = await (await getApp()).projects.create(user, parseForm(form, createProjectSchema).name));
    } catch (e) {
      return actionFailure(e, { name: String(form.get('name') ?? '') });
    }
    redirect(303, `/projects/${id}`);
  }
};
