import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { actionFailure, parseForm, requireLogin } from '$lib/server/http/pages';
import type { Actions, PageServerLoad } from './$types';

const createTokenSchema = z.object({ name: z.string().trim().min(1, 'Give the token a name, e.g. "render box".').max(80, 'A token name has at most 80 characters.') });
const revokeTokenSchema = z.object({ id: z.string().min(1).max(64) });

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireLogin(locals, url);
  return { tokens: await (await getApp()).tokens.list(user.id) };
};

export const actions: Actions = {
  create: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { name } = parseForm(await request.formData(), createTokenSchema);
      const { token, info } = await (await getApp()).tokens.create(user.id, name);
      // The secret is shown this once: only its hash is stored.
      return { action: 'create' as const, created: { token, name: info.name } };
    } catch (e) {
      return actionFailure(e, { action: 'create' as const });
    }
  },
  revoke: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { id } = parseForm(await request.formData(), revokeTokenSchema);
      await (await getApp()).tokens.revoke(user.id, id);
      return { action: 'revoke' as const };
    } catch (e) {
      return actionFailure(e, { action: 'revoke' as const });
    }
  }
};
