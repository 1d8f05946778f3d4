import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect';

/** Podcasts of a channel (feed settings, artwork, public slug) and their episodes (cut from recordings, or library audio). */
export async function up(db: Kysely<any>): Promise<void> {
  const real = columnTypes(db).pg ? 'double precision' : 'real';
  await db.schema
    .createTable('podcasts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('explicit', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('artwork_asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    // The square JPEG made from the artwork asset, under DATA_DIR/podcasts/<id>/.
    .addColumn('artwork_file', 'text')
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('podcasts_channel').on('podcasts').columns(['channel_id', 'created_at']).execute();

  await db.schema
    .createTable('podcast_episodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('podcast_id', 'text', (c) => c.notNull().references('podcasts.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('recording', 'asset')`))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('range_start', 'bigint')
    .addColumn('range_end', 'bigint')
    // The episode's own file under DATA_DIR/podcasts/<podcast id>/: it outlives the recordings' retention.
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('duration', real, (c) => c.notNull())
    // Podcasting 2.0 chapters JSON, or null.
    .addColumn('chapters', 'text')
    .addColumn('published', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('publish_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('podcast_episodes_podcast').on('podcast_episodes').columns(['podcast_id', 'publish_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('podcast_episodes').execute();
  await db.schema.dropTable('podcasts').execute();
}
