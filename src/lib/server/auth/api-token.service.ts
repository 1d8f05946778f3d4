import type { UserRow } from '../db/schema';
import { newId } from '$lib/editor/model/ids';
import { notFound } from '../http/api-error';
import type { ApiTokenRepository } from './api-token.repository';
import type { UserRepository } from './user.repository';
import { generateSecret, hashSecret, secretMatches, splitToken } from './secret';

/** Prefix so a leaked token is recognisable (and findable by secret scanners). */
export const API_TOKEN_PREFIX = 'ast_';

export interface ApiTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class ApiTokenService {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly users: UserRepository,
    private readonly now: () => number = Date.now
  ) {}

  async create(userId: string, name: string): Promise<{ token: string; info: ApiTokenInfo }> {
    const id = newId();
    const secret = generateSecret();
    const t = this.now();
    await this.tokens.create({ id, user_id: userId, name, secret_hash: hashSecret(secret), created_at: t, last_used_at: null, revoked_at: null });
    return { token: `${API_TOKEN_PREFIX}${id}.${secret}`, info: { id, name, createdAt: iso(t)!, lastUsedAt: null, revokedAt: null } };
  }

  async list(userId: string): Promise<ApiTokenInfo[]> {
    const rows = await this.tokens.listForUser(userId);
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) }));
  }

  async revoke(userId: string, tokenId: string): Promise<void> {
    if (!(await this.tokens.revoke(tokenId, userId, this.now()))) throw notFound('No active token with that id belongs to you.');
  }

  /** The token's owner, or null when the token is unknown, wrong or revoked. */
  async authenticate(token: string): Promise<UserRow | null> {
    const parts = splitToken(token, API_TOKEN_PREFIX);
    if (!parts) return null;
    const row = await this.tokens.findById(parts.id);
    if (!row || row.revoked_at !== null || !secretMatches(parts.secret, row.secret_hash)) return null;
    const t = this.now();
    // Record use at most once a minute: a busy headless client should not write on every request.
    if (row.last_used_at === null || t - row.last_used_at > 60_000) await this.tokens.markUsed(row.id, t);
    return (await this.users.findById(row.user_id)) ?? null;
  }
}
