import type { Kysely, Updateable } from 'kysely';
import type { ChannelRow, ChannelTable, Database } from '../db/schema';

/** All SQL about channels. */
export class ChannelRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: ChannelRow): Promise<void> {
    await this.db.insertInto('channels').values(row).execute();
  }

  findById(id: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  listByProject(projectId: string): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().where('project_id', '=', projectId).orderBy('created_at', 'asc').orderBy('id').execute();
  }

  async update(id: string, patch: Updateable<ChannelTable>): Promise<void> {
    await this.db.updateTable('channels').set(patch).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('channels').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/** True for a unique-constraint violation in either database. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /unique constraint|duplicate key/i.test(err?.message ?? '');
}
