import { newId } from '$lib/editor/model/ids';
import { generateSecret, hashSecret, secretMatches, splitToken } from '../auth/secret';
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

export interface WorkerTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

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
  async create(ownerId: string | null, name: string): Promise<{ token: string; info: WorkerTokenInfo }> {
    const id = newId();
    const secret = generateSecret();
    const t = this.now();
    await this.tokens.create({ id, name, owner_id: ownerId, secret_hash: hashSecret(secret), created_at: t, last_used_at: null, revoked_at: null });
    return { token: `${WORKER_TOKEN_PREFIX}${id}.${secret}`, info: { id, name, createdAt: iso(t)!, lastUsedAt: null, revokedAt: null } };
  }

  /** Project owners may run workers for their own projects. */
  async createForUser(user: UserRow, name: string): Promise<{ token: string; info: WorkerTokenInfo }> {
    const owned = (await this.projects.list(user)).some((p) => p.role === 'owner');
    if (!owned) throw forbidden('Only project owners can create worker tokens: create a project first.');
    return this.create(user.id, name);
  }

  async list(user: UserRow): Promise<WorkerTokenInfo[]> {
    return (await this.tokens.listForOwner(user.id)).map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: iso(r.created_at)!,
      lastUsedAt: iso(r.last_used_at),
      revokedAt: iso(r.revoked_at)
    }));
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
