import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import { CREDIT_PAGE } from '$lib/credits/credits.svelte';
import type { PageServerLoad } from './$types';

/** Usage: the project, and the first page of its credits (balance, prices, charges and refunds). */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, credits] = await Promise.all([app.projects.get(user, params.id), app.credits.forProject(user, params.id, { limit: CREDIT_PAGE })]);
    return { project, credits };
  } catch (e) {
    pageError(e);
  }
};
