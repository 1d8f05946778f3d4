import { tokenPage } from '$lib/server/http/token-page';
import type { Actions, PageServerLoad } from './$types';

const page = tokenPage({
  list: (app, user) => app.tokens.list(user.id),
  create: (app, user, name) => app.tokens.create(user.id, name),
  revoke: (app, user, id) => app.tokens.revoke(user.id, id)
});

export const load: PageServerLoad = page.load;
export const actions: Actions = page.actions;
