import { redirect } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { clearSessionCookie } from '$lib/server/http/session-cookie';
import type { Actions, PageServerLoad } from './$types';

// Logging out changes state, so it is a POST; a GET shows the confirm button (and signed-out visitors go home).
export const load: PageServerLoad = ({ locals }) => {
  if (!locals.user) redirect(303, '/');
};

export const actions: Actions = {
  default: async ({ locals, cookies, url, request }) => {
    const app = await getApp();
    // "Everywhere" ends every session of this user: a lost laptop, a shared computer.
    if ((await request.formData()).get('everywhere') === 'yes' && locals.user) await app.sessions.invalidateAll(locals.user.id);
    else if (locals.sessionId) await app.sessions.invalidate(locals.sessionId);
    clearSessionCookie(cookies, url);
    redirect(303, '/');
  }
};
