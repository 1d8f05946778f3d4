import { redirect } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { loginSchema } from '$lib/server/auth/account.schema';
import { clientIp } from '$lib/server/http/api-route';
import { actionFailure, parseForm, safeRedirectTarget } from '$lib/server/http/pages';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
};

export const actions: Actions = {
  default: async (event) => {
    const { request, cookies, url } = event;
    const form = await request.formData();
    const username = String(form.get('username') ?? '');
    try {
      const input = parseForm(form, loginSchema);
      const { token, expiresAt } = await (await getApp()).accounts.login(input, clientIp(event), request.headers.get('user-agent'));
      setSessionCookie(cookies, url, token, expiresAt);
    } catch (e) {
      return actionFailure(e, { username });
    }
    redirect(303, safeRedirectTarget(url.searchParams.get('redirectTo')));
  }
};
