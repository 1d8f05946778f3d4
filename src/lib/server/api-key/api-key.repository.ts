import type { Kysely } from 'kysely';
import type { Database, ProjectApiKeyRow } from '../db/schema';

/** All SQL about project API keys. */
export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: ProjectApiKeyRow): Promise<void> {
    await this.db.insertInto('project_api_keys').values(row).execute();
  }

  findById(id: string): Promise<ProjectApiKeyRow | undefined> {
    return this.db.selectFrom('project_api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listByProject(projectId: string): Promise<ProjectApiKeyRow[]> {
    return this.db.selectFrom('project_api_keys').selectAll().where('project_id', '=', projectId).orderBy('created_at', 'desc').orderBy('id').execute();
  }

  async markUsed(id: string, at: number): Promise<void> {
    await this.db.updateTable('project_api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('project_api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
