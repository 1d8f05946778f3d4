import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  try {
    return { brief: await (await getApp()).briefs.read(user, params.id) };
  } catch (e) {
    pageError(e);
  }
};
