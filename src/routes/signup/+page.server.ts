import { redirect } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { signupSchema } from '$lib/server/auth/account.schema';
import { actionFailure, parseForm, safeRedirectTarget } from '$lib/server/http/pages';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
};

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    const form = await request.formData();
    // Sent back on failure so the form keeps what was typed; never the password.
    const values = { username: String(form.get('username') ?? ''), email: String(form.get('email') ?? ''), displayName: String(form.get('displayName') ?? '') };
    try {
      const input = parseForm(form, signupSchema);
      const { token, expiresAt } = await (await getApp()).accounts.signup(input, request.headers.get('user-agent'));
      setSessionCookie(cookies, url, token, expiresAt);
    } catch (e) {
      return actionFailure(e, values);
    }
    redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
  }
};
