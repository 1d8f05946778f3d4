import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getApp, type App } from '$lib/server/app';
import type { UserRow } from '$lib/server/db/schema';
import { toPublicUser } from '$lib/server/auth/user';
import { actionFailure, pageError, parseForm, requireLogin } from '$lib/server/http/pages';
import { addMemberSchema, changeRoleSchema, renameProjectSchema } from '$lib/server/project/project.schema';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const memberSchema = z.object({ username: z.string().trim().min(1, 'username is required').max(64) });
const roleChangeSchema = memberSchema.extend(changeRoleSchema.shape);

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const user = requireLogin(locals, url);
  const app = await getApp();
  try {
    const [project, members] = await Promise.all([app.projects.get(user, params.id), app.projects.members(user, params.id)]);
    return { project, members, me: toPublicUser(user), role: project.role };
  } catch (e) {
    pageError(e);
  }
};

export const actions: Actions = {
  rename: async ({ request, locals, params, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { name } = parseForm(await request.formData(), renameProjectSchema);
      await (await getApp()).projects.rename(user, params.id, name);
      return { action: 'rename' as const };
    } catch (e) {
      return actionFailure(e, { action: 'rename' as const });
    }
  },
  invite: async ({ request, locals, params, url }) => {
    const user = requireLogin(locals, url);
    const form = await request.formData();
    try {
      const { username, role } = parseForm(form, addMemberSchema);
      await (await getApp()).projects.addMember(user, params.id, username, role);
      return { action: 'invite' as const, invited: username };
    } catch (e) {
      return actionFailure(e, { action: 'invite' as const, username: String(form.get('username') ?? '') });
    }
  },
  changeRole: async ({ request, locals, params, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { username, role } = parseForm(await request.formData(), roleChangeSchema);
      await (await getApp()).projects.addMember(user, params.id, username, role);
      return { action: 'changeRole' as const };
    } catch (e) {
      return actionFailure(e, { action: 'changeRole' as const });
    }
  },
  remove: async ({ request, locals, params, url }) => {
    const user = requireLogin(locals, url);
    try {
      const { username } = parseForm(await request.formData(), memberSchema);
      await (await getApp()).projects.removeMember(user, params.id, username);
      return { action: 'remove' as const };
    } catch (e) {
      return actionFailure(e, { action: 'remove' as const });
    }
  },
  leave: (event) => confirmThenLeave(event, 'leave', (app, user, id) => app.projects.removeMember(user, id, user.username)),
  delete: (event) => confirmThenLeave(event, 'delete', (app, user, id) => app.projects.delete(user, id))
};

/** Leaving and deleting cannot be undone: ask first unless `confirm=yes` (works without JavaScript), then do it and go to the projects list with a notice. */
async function confirmThenLeave(
  { request, locals, params, url }: RequestEvent,
  action: 'leave' | 'delete',
  perform: (app: App, user: UserRow, projectId: string) => Promise<unknown>
) {
  const user = requireLogin(locals, url);
  if ((await request.formData()).get('confirm') !== 'yes') return fail(400, { action, confirm: true });
  const app = await getApp();
  let name: string;
  try {
    ({ name } = await app.projects.get(user, params.id));
    await perform(app, user, params.id);
  } catch (e) {
    return actionFailure(e, { action });
  }
  redirect(303, `/projects?${action === 'leave' ? 'left' : 'deleted'}=${encodeURIComponent(name)}`);
}
