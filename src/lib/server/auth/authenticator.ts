import type { IncomingMessage } from 'node:http';
import type { SessionRow, UserRow } from '../db/schema';
import { API_TOKEN_PREFIX, type ApiTokenService } from './api-token.service';
import type { SessionService, SessionsEnded, ValidSession } from './session.service';

export const SESSION_COOKIE = 'airstudio_session';

export type Authentication =
  | { via: 'session'; user: UserRow; session: SessionRow; valid: ValidSession }
  | { via: 'token'; user: UserRow };

/** One place that turns a cookie or a bearer/query token into a user, for HTTP, socket.io and Yjs alike. */
export class Authenticator {
  constructor(
    private readonly sessions: SessionService,
    private readonly tokens: ApiTokenService
  ) {}

  async authenticate(input: { cookieToken?: string | null; bearer?: string | null }): Promise<Authentication | null> {
    if (input.bearer) {
      // A bearer may be an API token or, for scripts that logged in via the API, a session token.
      if (input.bearer.startsWith(API_TOKEN_PREFIX)) {
        const user = await this.tokens.authenticate(input.bearer);
        return user ? { via: 'token', user } : null;
      }
      const valid = await this.sessions.validate(input.bearer);
      return valid ? { via: 'session', user: valid.user, session: valid.session, valid } : null;
    }
    if (input.cookieToken) {
      const valid = await this.sessions.validate(input.cookieToken);
      return valid ? { via: 'session', user: valid.user, session: valid.session, valid } : null;
    }
    return null;
  }

  onSessionsEnded(fn: (e: SessionsEnded) => void): () => void {
    return this.sessions.onEnded(fn);
  }

  /** For raw Node requests (WebSocket upgrades, socket.io handshakes): cookie, `Authorization`, or `?token=`. */
  authenticateRequest(req: IncomingMessage, queryToken?: string | null): Promise<Authentication | null> {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : queryToken || null;
    return this.authenticate({ bearer, cookieToken: readCookie(req.headers.cookie, SESSION_COOKIE) });
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
