import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { UserRow } from '../db/schema';
import { ApiError } from './api-error';
import { zodMessage } from './api-route';

// What the pages and their form actions share: the login guard, form parsing, and ApiError → page error.

/** The signed-in user, or a redirect to the login page that comes back to `url` afterwards. */
export function requireLogin(locals: App.Locals, url: URL): UserRow {
  if (locals.user) return locals.user;
  redirect(303, `/login?redirectTo=${encodeURIComponent(url.pathname)}`);
}

/** A path on this site to go to after logging in; anything else (another origin: an open redirect) gives `fallback`. */
export function safeRedirectTarget(value: string | null, fallback = '/projects'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

/** A form's text fields validated by `schema`; a wrong shape is a 400 ApiError with the schema's messages. */
export function parseForm<T>(form: FormData, schema: z.ZodType<T>): T {
  const fields: Record<string, string> = {};
  for (const [k, v] of form) if (typeof v === 'string') fields[k] = v;
  const parsed = schema.safeParse(fields);
  if (!parsed.success) throw new ApiError(400, 'invalid_input', zodMessage(parsed.error));
  return parsed.data;
}

/** An ApiError (or a failed schema) becomes `fail(status)` carrying its message for the form to show; anything else is a server error. */
export function actionFailure<D extends Record<string, unknown>>(e: unknown, data: D) {
  if (e instanceof ApiError) return fail(e.status, { ...data, error: e.message });
  if (e instanceof z.ZodError) return fail(400, { ...data, error: zodMessage(e) });
  throw e;
}

/** For loads: an ApiError becomes SvelteKit's error page with its status (404 for projects you are not in). */
export function pageError(e: unknown): never {
  if (e instanceof ApiError) error(e.status, { message: e.message, code: e.code });
  throw e;
}
