import type { Kysely } from 'kysely';
import type { Database, DesignKitItemRow, DesignKitRow } from '../db/schema';

/** All SQL about design kits and their images. */
export class DesignKitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user whose kits a project shows: whoever created (owns) it. */
  async projectOwner(projectId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('projects').select('created_by').where('id', '=', projectId).executeTakeFirst())?.created_by;
  }

  listByOwner(ownerId: string): Promise<DesignKitRow[]> {
    return this.db.selectFrom('design_kits').selectAll().where('owner_id', '=', ownerId).orderBy('name').orderBy('id').execute();
  }

  find(id: string): Promise<DesignKitRow | undefined> {
    return this.db.selectFrom('design_kits').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(row: DesignKitRow): Promise<void> {
    await this.db.insertInto('design_kits').values(row).execute();
  }

  async update(id: string, patch: Partial<Pick<DesignKitRow, 'name' | 'description' | 'palette' | 'updated_at'>>): Promise<void> {
    await this.db.updateTable('design_kits').set(patch).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('design_kits').where('id', '=', id).execute();
  }

  items(kitIds: string[]): Promise<DesignKitItemRow[]> {
    if (!kitIds.length) return Promise.resolve([]);
    return this.db.selectFrom('design_kit_items').selectAll().where('kit_id', 'in', kitIds).orderBy('created_at').orderBy('id').execute();
  }

  findItem(itemId: string): Promise<DesignKitItemRow | undefined> {
    return this.db.selectFrom('design_kit_items').selectAll().where('id', '=', itemId).executeTakeFirst();
  }

  async insertItem(row: DesignKitItemRow): Promise<void> {
    await this.db.insertInto('design_kit_items').values(row).execute();
  }

  async deleteItem(kitId: string, itemId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('design_kit_items').where('kit_id', '=', kitId).where('id', '=', itemId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
