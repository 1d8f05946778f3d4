import { error } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { pageError, requireLogin } from '$lib/server/http/pages';
import type { PageServerLoad } from './$types';

/** A channel's settings page; saving goes through the JSON API from the browser. */
export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, channel] = await Promise.all([app.projects.get(user, params.id), app.channels.get(user, params.channelId)]);
    if (channel.projectId !== project.id) error(404, { message: 'No such channel in this project.', code: 'not_found' });
    return { project, channel, role: project.role };
  } catch (e) {
    pageError(e);
  }
};
