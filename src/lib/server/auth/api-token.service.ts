import type { UserRow } from '../db/schema';
import { newId } from '$lib/editor/model/ids';
import type { TokenInfo } from '$lib/token';
import { notFound } from '../http/api-error';
import type { ApiTokenRepository } from './api-token.repository';
import type { UserRepository } from './user.repository';
import { generateSecret, hashSecret, secretMatches, splitToken, tokenInfo } from './secret';

/** Prefix so a leaked token is recognisable (and findable by secret scanners). */
export const API_TOKEN_PREFIX = 'ast_';

export class ApiTokenService {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly users: UserRepository,
    private readonly now: () => number = Date.now
  ) {}

  async create(userId: string, name: string): Promise<{ token: string; info: TokenInfo }> {
    const secret = generateSecret();
    const row = { id: newId(), user_id: userId, name, secret_hash: hashSecret(secret), created_at: this.now(), last_used_at: null, revoked_at: null };
    await this.tokens.create(row);
    return { token: `${API_TOKEN_PREFIX}${row.id}.${secret}`, info: tokenInfo(row) };
  }

  async list(userId: string): Promise<TokenInfo[]> {
    return (await this.tokens.listForUser(userId)).map(tokenInfo);
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
