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
  rename: projectAction('rename', renameProjectSchema, (app, user, id, { name }) => app.projects.rename(user, id, name)),
  invite: projectAction('invite', addMemberSchema, async (app, user, id, { username, role }) => {
    await app.projects.addMember(user, id, username, role);
    return { invited: username };
  }),
  changeRole: projectAction('changeRole', roleChangeSchema, (app, user, id, { username, role }) => app.projects.addMember(user, id, username, role)),
  remove: projectAction('remove', memberSchema, (app, user, id, { username }) => app.projects.removeMember(user, id, username)),
  leave: (event) => confirmThenLeave(event, 'leave', (app, user, id) => app.projects.removeMember(user, id, user.username)),
  delete: (event) => confirmThenLeave(event, 'delete', (app, user, id) => app.projects.delete(user, id))
};

/**
 * A form action on this project: validate the form with `schema`, call the service, and answer `{action, ...}`;
 * a service error becomes the form's error, keeping the typed username for the invite field.
 */
function projectAction<A extends string, T, R extends object | void>(
  action: A,
  schema: z.ZodType<T>,
  perform: (app: App, user: UserRow, projectId: string, input: T) => Promise<R>
) {
  return async ({ request, locals, params, url }: RequestEvent) => {
    const user = requireLogin(locals, url);
    const form = await request.formData();
    try {
      const extra = await perform(await getApp(), user, params.id, parseForm(form, schema));
      return { action, ...(extra ?? {}) };
    } catch (e) {
      return actionFailure(e, { action, username: String(form.get('username') ?? '') });
    }
  };
}

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
