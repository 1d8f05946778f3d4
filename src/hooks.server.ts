import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { getApp } from '$lib/server/app';
import { SESSION_COOKIE } from '$lib/server/auth/authenticator';
import { API_KEY_PREFIX } from '$lib/server/api-key/api-key.service';
import { jsonMethodNotAllowed } from '$lib/server/http/api-route';
import { clearSessionCookie, setSessionCookie } from '$lib/server/http/session-cookie';

export const init: ServerInit = async () => {
  await getApp();
};

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY'
};

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * SvelteKit's CSRF rule (a form post from another origin is refused), except for requests carrying a bearer token:
 * a browser never adds one by itself, so a token-authenticated upload from a script needs no Origin header.
 */
function csrfRefusal(request: Request, url: URL, bearer: string | null): Response | null {
  if (bearer || !UNSAFE_METHODS.has(request.method)) return null;
  const type = request.headers.get('content-type')?.split(';', 1)[0]!.trim().toLowerCase() ?? '';
  if (!FORM_TYPES.includes(type) || request.headers.get('origin') === url.origin) return null;
  const message = `Cross-site ${request.method} form submissions are forbidden: send the form from this site, or authenticate with an API token (Authorization: Bearer).`;
  return new Response(JSON.stringify({ error: { code: 'cross_site_form', message } }), { status: 403, headers: { 'Content-Type': 'application/json' } });
}

export const handle: Handle = async ({ event, resolve }) => {
  const app = await getApp();
  const header = event.request.headers.get('authorization');
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
  const refused = csrfRefusal(event.request, event.url, bearer);
  if (refused) return refused;
  const cookieToken = event.cookies.get(SESSION_COOKIE) ?? null;
  event.locals.user = null;
  event.locals.sessionId = null;
  event.locals.authVia = null;
  event.locals.apiKey = null;

  // A project API key is no user's login: it only opens the integration API (/api/v1).
  const apiKey = bearer?.startsWith(API_KEY_PREFIX) ? await app.apiKeys.authenticate(bearer) : null;
  const auth = bearer?.startsWith(API_KEY_PREFIX) ? null : await app.auth.authenticate({ bearer, cookieToken: bearer ? null : cookieToken });
  if (apiKey) {
    event.locals.apiKey = apiKey;
  } else if (auth) {
    event.locals.user = auth.user;
    event.locals.authVia = auth.via;
    if (auth.via === 'session') {
      event.locals.sessionId = auth.session.id;
      if (!bearer && auth.valid.renewed) setSessionCookie(event.cookies, event.url, cookieToken!, auth.valid.expiresAt);
    }
  } else if (bearer && event.url.pathname.startsWith('/api/')) {
    const what = bearer.startsWith(API_KEY_PREFIX) ? 'API key is unknown or revoked (or its creator may no longer edit the project)' : 'bearer token is unknown, expired or revoked';
    return new Response(JSON.stringify({ error: { code: 'invalid_token', message: `The ${what}.` } }), {
      status: 401,
      headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' }
    });
  } else if (cookieToken) {
    clearSessionCookie(event.cookies, event.url);
  }

  const response = jsonMethodNotAllowed(await resolve(event), event);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!response.headers.has(k)) response.headers.set(k, v);
  return response;
};

export const handleError: HandleServerError = async ({ error, status, message }) => {
  if (status >= 500) (await getApp()).logger.error({ err: error }, 'unhandled error');
  return { message: status >= 500 ? 'Something went wrong on the server; it has been logged.' : message };
};
