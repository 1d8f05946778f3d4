import { tokenPage } from '$lib/server/http/token-page';
import type { Actions, PageServerLoad } from './$types';

const page = tokenPage({
  list: (app, user) => app.workerTokens.list(user),
  create: (app, user, name) => app.workerTokens.createForUser(user, name),
  revoke: (app, user, id) => app.workerTokens.revoke(user, id)
});

export const load: PageServerLoad = async (event) => ({ ...(await page.load(event)), origin: event.url.origin });
export const actions: Actions = page.actions;
