import { sql, type Kysely } from 'kysely';

/**
 * Design kits for virtual staging: named styles with a colour palette, reference images and cut-outs. A kit belongs
 * to a user (the owner of the projects it serves) and shows in every project that user owns. Kit images keep their
 * own copy of a stored file (by content hash), so they outlive the library asset they came from. And a project's
 * staging provider (an OpenAI-compatible image-edit server) beside its other providers.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('design_kits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('palette', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('design_kits_owner').on('design_kits').columns(['owner_id', 'name']).execute();

  await db.schema
    .createTable('design_kit_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kit_id', 'text', (c) => c.notNull().references('design_kits.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('reference', 'cutout')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('source_asset_id', 'text')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('design_kit_items_kit').on('design_kit_items').columns(['kit_id', 'created_at']).execute();
  await db.schema.createIndex('design_kit_items_sha').on('design_kit_items').column('sha256').execute();

  await db.schema.alterTable('project_providers').addColumn('staging_base_url', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('staging_model', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('staging_api_key', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['staging_api_key', 'staging_model', 'staging_base_url']) await db.schema.alterTable('project_providers').dropColumn(c).execute();
  await db.schema.dropTable('design_kit_items').ifExists().execute();
  await db.schema.dropTable('design_kits').ifExists().execute();
}
