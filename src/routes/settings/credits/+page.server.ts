import { getApp } from '$lib/server/app';
import { creditGrantSchema, creditPricesSchema } from '$lib/server/credit/credit.schema';
import { actionFailure, requireLogin } from '$lib/server/http/pages';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => (await getApp()).credits.overview(requireLogin(locals, url));

/** A form's text field as a number (an empty field is not 0). */
const numberField = (v: FormDataEntryValue | null) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

export const actions: Actions = {
  grant: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const form = await request.formData();
      const note = String(form.get('note') ?? '').trim();
      const body = creditGrantSchema.parse({ username: String(form.get('username') ?? '').trim(), amount: numberField(form.get('amount')), ...(note ? { note } : {}) });
      const { username, balance } = await (await getApp()).credits.grant(user, body);
      return { action: 'grant' as const, saved: `${username} now has ${balance} credits.` };
    } catch (e) {
      return actionFailure(e, { action: 'grant' as const });
    }
  },
  prices: async ({ request, locals, url }) => {
    const user = requireLogin(locals, url);
    try {
      const form = await request.formData();
      const prices = Object.fromEntries([...form.keys()].map((k) => [k, numberField(form.get(k))]));
      await (await getApp()).credits.setPrices(user, creditPricesSchema.parse({ prices }).prices);
      return { action: 'prices' as const, saved: 'Prices saved: jobs queued from now on pay them.' };
    } catch (e) {
      return actionFailure(e, { action: 'prices' as const });
    }
  }
};
