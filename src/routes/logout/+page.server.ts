import { redirect } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { clearSessionCookie } from '$lib/server/http/session-cookie';
import type { Actions, PageServerLoad } from './$types';

// Logging out changes state, so it is a POST; a GET shows the confirm button (and signed-out visitors go home).
export const load: PageServerLoad = ({ locals }) => {
  if (!locals.user) redirect(303, '/');
};

export const actions: Actions = {
  default: async ({ locals, cookies, url }) => {
    if (locals.sessionId) await (await getApp()).sessions.invalidate(locals.sessionId);
    clearSessionCookie(cookies, url);
    redirect(303, '/');
  }
};
