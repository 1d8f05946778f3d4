import { newId } from '$lib/editor/model/ids';
import type { TokenInfo } from '$lib/token';
import { generateSecret, hashSecret, secretMatches, splitToken, tokenInfo } from '../auth/secret';
import type { UserRow } from '../db/schema';
import { forbidden, notFound } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { WorkerTokenRepository } from './worker-token.repository';

/** Distinct from API tokens (`ast_`): a worker token cannot act as a person. */
export const WORKER_TOKEN_PREFIX = 'asw_';

/** Who a worker acts for: an operator (every project) or one user (the projects that user owns). */
export interface WorkerIdentity {
  tokenId: string;
  name: string;
  ownerId: string | null;
}

export class WorkerTokenService {
  /** The local supervisor's token lives only in memory: it dies with the process and needs no clean-up. */
  private readonly localSecret = generateSecret();

  constructor(
    private readonly tokens: WorkerTokenRepository,
    private readonly projects: ProjectService,
    private readonly now: () => number = Date.now
  ) {}

  get localToken(): string {
    return `${WORKER_TOKEN_PREFIX}local.${this.localSecret}`;
  }

  /** `ownerId` null: an operator token (from `npm run worker-token`). */
  async create(ownerId: string | null, name: string): Promise<{ token: string; info: TokenInfo }> {
    const secret = generateSecret();
    const row = { id: newId(), name, owner_id: ownerId, secret_hash: hashSecret(secret), created_at: this.now(), last_used_at: null, revoked_at: null };
    await this.tokens.create(row);
    return { token: `${WORKER_TOKEN_PREFIX}${row.id}.${secret}`, info: tokenInfo(row) };
  }

  /** Project owners may run workers for their own projects. */
  async createForUser(user: UserRow, name: string): Promise<{ token: string; info: TokenInfo }> {
    const owned = (await this.projects.list(user)).some((p) => p.role === 'owner');
    if (!owned) throw forbidden('Only project owners can create worker tokens: create a project first.');
    return this.create(user.id, name);
  }

  async list(user: UserRow): Promise<TokenInfo[]> {
    return (await this.tokens.listForOwner(user.id)).map(tokenInfo);
  }

  async revoke(user: UserRow, id: string): Promise<void> {
    if (!(await this.tokens.revoke(id, user.id, this.now()))) throw notFound('No active worker token with that id belongs to you.');
  }

  async authenticate(token: string | null | undefined): Promise<WorkerIdentity | null> {
    if (!token) return null;
    const parts = splitToken(token, WORKER_TOKEN_PREFIX);
    if (!parts) return null;
    if (parts.id === 'local') return secretMatches(parts.secret, hashSecret(this.localSecret)) ? { tokenId: 'local', name: 'local', ownerId: null } : null;
    const row = await this.tokens.findById(parts.id);
    if (!row || row.revoked_at !== null || !secretMatches(parts.secret, row.secret_hash)) return null;
    const t = this.now();
    if (row.last_used_at === null || t - row.last_used_at > 60_000) await this.tokens.markUsed(row.id, t);
    return { tokenId: row.id, name: row.name, ownerId: row.owner_id };
  }
}
