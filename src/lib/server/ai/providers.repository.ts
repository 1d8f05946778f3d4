import type { Kysely } from 'kysely';
import type { Database, ProjectProvidersRow } from '../db/schema';

/** All SQL about a project's AI provider settings. */
export class ProvidersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  find(projectId: string): Promise<ProjectProvidersRow | undefined> {
    return this.db.selectFrom('project_providers').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  }

  async save(row: ProjectProvidersRow): Promise<void> {
    const { project_id, ...rest } = row;
    await this.db
      .insertInto('project_providers')
      .values(row)
      .onConflict((oc) => oc.column('project_id').doUpdateSet(rest))
      .execute();
  }
}
