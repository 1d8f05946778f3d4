import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import type { PageServerLoad } from './$types';

/** The project's AI providers (language model and voice); keys show only as `hasKey`. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, providers] = await Promise.all([app.projects.get(user, params.id), app.providers.get(user, params.id)]);
    return { project, providers, role: project.role };
  } catch (e) {
    pageError(e);
  }
};
