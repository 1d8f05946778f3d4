import { z } from 'zod';
import { getApp } from '$lib/server/app';
import { changePasswordSchema, updateMeSchema } from '$lib/server/auth/account.schema';
import { toMe } from '$lib/server/auth/user';
import { ApiError, badRequest } from '$lib/server/http/api-error';
import { clientIp } from '$lib/server/http/api-route';
import { actionFailure, parseForm, requireLogin } from '$lib/server/http/pages';
import type { Actions, PageServerLoad } from './$types';

const passwordFormSchema = changePasswordSchema.extend({ confirmPassword: z.string() });
const endSessionSchema = z.object({ id: z.string().min(1).max(64) });

// Which field of the password form an error belongs to, so the message stands next to it.
const PASSWORD_ERROR_FIELD: Record<string, 'currentPassword' | 'newPassword' | 'confirmPassword'> = {
  invalid_credentials: 'currentPassword',
  weak_password: 'newPassword',
  password_mismatch: 'confirmPassword'
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  return {
    me: toMe(user),
    sessions: await app.sessions.list(user.id, locals.sessionId),
    inactivityDays: Math.round(app.config.session.inactivityTimeoutMs / 86_400_000)
  };
};

export const actions: Actions = {
  displayName: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { displayName } = parseForm(await request.formData(), updateMeSchema);
      await (await getApp()).accounts.updateDisplayName(user.id, displayName);
      return { action: 'displayName' as const, saved: true };
    } catch (e) {
      return actionFailure(e, { action: 'displayName' as const });
    }
  },
  password: async (event) => {
    const user = requireLogin(event.locals, event.url);
    try {
      const { confirmPassword, ...input } = parseForm(await event.request.formData(), passwordFormSchema);
      if (confirmPassword !== input.newPassword) throw badRequest('The two new passwords differ: type the same one twice.', 'password_mismatch');
      await (await getApp()).accounts.changePassword(user, input, clientIp(event), event.locals.sessionId);
      return { action: 'password' as const, saved: true };
    } catch (e) {
      return actionFailure(e, { action: 'password' as const, field: e instanceof ApiError ? (PASSWORD_ERROR_FIELD[e.code] ?? null) : null });
    }
  },
  endSession: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { id } = parseForm(await request.formData(), endSessionSchema);
      await (await getApp()).sessions.end(user.id, id, locals.sessionId);
      return { action: 'endSession' as const };
    } catch (e) {
      return actionFailure(e, { action: 'endSession' as const });
    }
  }
};
