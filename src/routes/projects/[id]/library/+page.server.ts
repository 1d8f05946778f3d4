import { getApp } from '$lib/server/app';
import { toPublicUser } from '$lib/server/auth/user';
import { pageError, requireLogin } from '$lib/server/http/pages';
import { PAGE_SIZE } from '$lib/library/library.svelte';
import { RECENT_JOBS } from '$lib/jobs/jobs.svelte';
import type { PageServerLoad } from './$types';

/** The media library: the project, the first page of assets (newest first) and the recent jobs; everything else is live in the browser. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, assets, jobs, providers] = await Promise.all([
      app.projects.get(user, params.id),
      app.assets.list(user, params.id, { sort: 'newest', limit: PAGE_SIZE, offset: 0 }),
      app.jobs.list(user, params.id, { limit: RECENT_JOBS }),
      app.providers.get(user, params.id)
    ]);
    // Whether "Generate video" can run (a video server is set), and the captions tool's default engine.
    return { project, assets, jobs, role: project.role, me: toPublicUser(user), videoGeneration: providers.video.configured, asrEngine: providers.asr.engine };
  } catch (e) {
    pageError(e);
  }
};
