import { randomBytes } from 'node:crypto';
import { canEdit } from '$lib/editor/model/role';
import { isId, newId } from '$lib/editor/model/ids';
import type { ProjectApiKeyRow, UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { UserRepository } from '../auth/user.repository';
import { generateSecret, hashSecret, secretMatches, splitToken } from '../auth/secret';
import type { ApiKeyRepository } from './api-key.repository';
import type { ApiKeyView, ApiScope, CreateApiKeyInput } from './api-key.schema';

/** Prefix of project API keys (personal tokens are `ast_`): recognisable when leaked. */
export const API_KEY_PREFIX = 'ask_';

/** A request authenticated by a project API key: it acts in one project, with its creator's rights. */
export interface ApiKeyPrincipal {
  keyId: string;
  projectId: string;
  scopes: ApiScope[];
  signingSecret: string;
  /** The member who created the key; the key works only while they may still edit the project. */
  actor: UserRow;
}

export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly projects: ProjectService,
    private readonly users: UserRepository,
    private readonly now: () => number = Date.now
  ) {}

  private async requireEditor(user: UserRow, projectId: string): Promise<void> {
    if (!canEdit(await this.projects.requireRole(user.id, projectId))) throw forbidden('Only owners and editors manage API keys.');
  }

  async create(user: UserRow, projectId: string, input: CreateApiKeyInput): Promise<ApiKeyView> {
    await this.requireEditor(user, projectId);
    const secret = generateSecret();
    const row: ProjectApiKeyRow = {
      id: newId(),
      project_id: projectId,
      name: input.name,
      scopes: JSON.stringify(input.scopes),
      secret_hash: hashSecret(secret),
      signing_secret: `whsec_${randomBytes(24).toString('base64url')}`,
      created_by: user.id,
      created_at: this.now(),
      last_used_at: null,
      revoked_at: null
    };
    await this.keys.create(row);
    return { ...toView(row), key: `${API_KEY_PREFIX}${row.id}.${secret}`, signingSecret: row.signing_secret };
  }

  async list(user: UserRow, projectId: string): Promise<ApiKeyView[]> {
    await this.requireEditor(user, projectId);
    return (await this.keys.listByProject(projectId)).map(toView);
  }

  async revoke(user: UserRow, keyId: string): Promise<ApiKeyView> {
    const row = isId(keyId) ? await this.keys.findById(keyId) : undefined;
    // Unknown, or not a member: the same 404, so ids cannot be probed.
    if (!row || !(await this.projects.roleOf(user.id, row.project_id))) throw notFound('No such API key.');
    await this.requireEditor(user, row.project_id);
    const t = this.now();
    if (!(await this.keys.revoke(row.id, t))) throw new ApiError(409, 'already_revoked', 'This API key is already revoked.');
    return toView({ ...row, revoked_at: t });
  }

  /** The key's principal, or null when the key is malformed, unknown, wrong, revoked, or its creator may no longer edit. */
  async authenticate(key: string): Promise<ApiKeyPrincipal | null> {
    const parts = splitToken(key, API_KEY_PREFIX);
    if (!parts) return null;
    const row = await this.keys.findById(parts.id);
    if (!row || row.revoked_at !== null || !secretMatches(parts.secret, row.secret_hash) || !row.created_by) return null;
    const actor = await this.users.findById(row.created_by);
    if (!actor || !canEdit(await this.projects.roleOf(actor.id, row.project_id))) return null;
    const t = this.now();
    // Record use at most once a minute: a busy integration should not write on every request.
    if (row.last_used_at === null || t - Number(row.last_used_at) > 60_000) await this.keys.markUsed(row.id, t);
    return { keyId: row.id, projectId: row.project_id, scopes: JSON.parse(row.scopes) as ApiScope[], signingSecret: row.signing_secret, actor };
  }
}

/** 403 naming the missing scope. */
export function requireScope(principal: ApiKeyPrincipal, scope: ApiScope): void {
  if (!principal.scopes.includes(scope)) throw new ApiError(403, 'missing_scope', `This API key lacks the scope "${scope}"; create a key with it in the project's API keys.`);
}

function toView(r: ProjectApiKeyRow): ApiKeyView {
  const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as ApiScope[],
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at)
  };
}
