import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import type { PageServerLoad } from './$types';

/** The design kits this project shows (its owner's, shared by all their projects). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, kits] = await Promise.all([app.projects.get(user, params.id), app.designKits.list(user, params.id)]);
    return { project, kits, role: project.role, refinement: app.designKits.refinement() };
  } catch (e) {
    pageError(e);
  }
};
