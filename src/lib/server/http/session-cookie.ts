import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from '../auth/authenticator';

/** httpOnly, SameSite=Lax, Secure when served over https (SvelteKit would force Secure, breaking plain-http LAN installs). */
export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: number): void {
  cookies.set(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    expires: new Date(expiresAt)
  });
}

export function clearSessionCookie(cookies: Cookies, url: URL): void {
  cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
}
