import type { SessionRow, UserRow } from '../db/schema';
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

/** Sessions as Lucia publishes them: random `id.secret`, SHA-256 of the secret stored, sliding inactivity expiry. */
export class SessionService {
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

  invalidate(sessionId: string): Promise<void> {
    return this.sessions.delete(sessionId);
  }

  invalidateAll(userId: string): Promise<void> {
    return this.sessions.deleteForUser(userId);
  }

  purgeExpired(): Promise<number> {
    return this.sessions.deleteInactiveSince(this.now() - this.policy.inactivityTimeoutMs);
  }
}
