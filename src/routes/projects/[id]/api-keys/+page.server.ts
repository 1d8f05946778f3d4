import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import type { PageServerLoad } from './$types';

/** API keys: the project and the caller's role (keys and the callback log load in the page; owners and editors only). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const project = await app.projects.get(user, params.id);
    return { project, role: project.role };
  } catch (e) {
    pageError(e);
  }
};
