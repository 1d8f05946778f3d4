import type { SessionRow, UserRow } from '../db/schema';
import { badRequest, notFound } from '../http/api-error';
import type { SessionRepository } from './session.repository';
import { generateSecret, hashSecret, secretMatches, splitToken } from './secret';

export interface SessionPolicy {
  inactivityTimeoutMs: number;
  activityCheckIntervalMs: number;
}

export interface ValidSession {
  session: SessionRow;
  user: UserRow;
  /** The expiry moved forward: the caller re-sends the cookie with the new max-age. */
  renewed: boolean;
  expiresAt: number;
}

/** Owners see only the start of a session id (half the bearer token); 80 bits will not collide among one user's sessions. */
export const SESSION_HANDLE_LENGTH = 16;

export interface SessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  /** The session this request came with. */
  current: boolean;
}

/** Sessions that just ended: one by id, or all of a user's but one (or all: `exceptSessionId` null). */
export type SessionsEnded = { sessionId: string } | { userId: string; exceptSessionId: string | null };

/** Whether a connection opened with `sessionId` by `userId` belongs to sessions that ended. API-token connections (no session) outlive them. */
export function sessionEnded(e: SessionsEnded, userId: string, sessionId: string | null): boolean {
  if (!sessionId) return false;
  return 'sessionId' in e ? e.sessionId === sessionId : e.userId === userId && e.exceptSessionId !== sessionId;
}

/** Sessions as Lucia publishes them: random `id.secret`, SHA-256 of the secret stored, sliding inactivity expiry. */
export class SessionService {
  private readonly endedListeners = new Set<(e: SessionsEnded) => void>();

  constructor(
    private readonly sessions: SessionRepository,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now
  ) {}

  async create(userId: string, userAgent: string | null = null): Promise<{ token: string; expiresAt: number }> {
    const id = generateSecret();
    const secret = generateSecret();
    const t = this.now();
    await this.sessions.create({
      id, user_id: userId, secret_hash: hashSecret(secret), created_at: t, last_verified_at: t,
      user_agent: userAgent?.slice(0, 300) ?? null
    });
    return { token: `${id}.${secret}`, expiresAt: t + this.policy.inactivityTimeoutMs };
  }

  async validate(token: string): Promise<ValidSession | null> {
    const parts = splitToken(token);
    if (!parts) return null;
    const found = await this.sessions.findWithUser(parts.id);
    if (!found) return null;
    const { session, user } = found;
    if (!secretMatches(parts.secret, session.secret_hash)) return null;
    const t = this.now();
    if (t - session.last_verified_at >= this.policy.inactivityTimeoutMs) {
      await this.sessions.delete(session.id);
      return null;
    }
    let renewed = false;
    if (t - session.last_verified_at >= this.policy.activityCheckIntervalMs) {
      session.last_verified_at = t;
      await this.sessions.touch(session.id, t);
      renewed = true;
    }
    return { session, user, renewed, expiresAt: session.last_verified_at + this.policy.inactivityTimeoutMs };
  }

  /** Whether the session still stands (not ended, not expired), for a connection resumed without its cookie. */
  async isActive(sessionId: string): Promise<boolean> {
    const found = await this.sessions.findWithUser(sessionId);
    return !!found && this.now() - found.session.last_verified_at < this.policy.inactivityTimeoutMs;
  }

  /** Realtime layers close the sockets a logged-out session opened: an ended session must not keep editing. */
  onEnded(fn: (e: SessionsEnded) => void): () => void {
    this.endedListeners.add(fn);
    return () => this.endedListeners.delete(fn);
  }

  private ended(e: SessionsEnded): void {
    for (const fn of this.endedListeners) fn(e);
  }

  async invalidate(sessionId: string): Promise<void> {
    await this.sessions.delete(sessionId);
    this.ended({ sessionId });
  }

  async invalidateAll(userId: string): Promise<void> {
    await this.sessions.deleteForUser(userId);
    this.ended({ userId, exceptSessionId: null });
  }

  /** Ends every session of the user but `keepSessionId` (all of them when the caller came without a session). */
  async invalidateOthers(userId: string, keepSessionId: string | null): Promise<void> {
    if (keepSessionId) await this.sessions.deleteOthers(userId, keepSessionId);
    else await this.sessions.deleteForUser(userId);
    this.ended({ userId, exceptSessionId: keepSessionId });
  }

  /** The user's unexpired sessions, most recently used first. */
  async list(userId: string, currentSessionId: string | null): Promise<SessionInfo[]> {
    const rows = await this.sessions.listForUser(userId, this.expiryCutoff());
    return rows.map((r) => ({
      id: r.id.slice(0, SESSION_HANDLE_LENGTH),
      createdAt: new Date(r.created_at).toISOString(),
      lastSeenAt: new Date(r.last_verified_at).toISOString(),
      userAgent: r.user_agent,
      current: r.id === currentSessionId
    }));
  }

  /** Ends one of the user's other sessions, named by its handle from `list`; another user's session is a 404. */
  async end(userId: string, handle: string, currentSessionId: string | null): Promise<void> {
    const rows = await this.sessions.listForUser(userId, this.expiryCutoff());
    const row = handle.length === SESSION_HANDLE_LENGTH ? rows.find((r) => r.id.startsWith(handle)) : undefined;
    if (!row) throw notFound('No active session with that id belongs to you.');
    if (row.id === currentSessionId) throw badRequest('This is the session you are using: log out instead.', 'current_session');
    await this.invalidate(row.id);
  }

  purgeExpired(): Promise<number> {
    return this.sessions.deleteInactiveSince(this.expiryCutoff());
  }

  /** Sessions last used before this moment have expired. */
  private expiryCutoff(): number {
    return this.now() - this.policy.inactivityTimeoutMs;
  }
}
