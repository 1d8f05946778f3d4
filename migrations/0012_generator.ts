import { sql, type Kysely } from 'kysely';

/**
 * Generated music: a channel's generator (prompts that rotate, chunk length, buffer thresholds) and the chunks it
 * made; and a project's music provider beside its language model and voice (procedural built in, or a MusicGen /
 * AudioCraft server over HTTP, its key encrypted like the others).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channel_generators')
    .addColumn('channel_id', 'text', (c) => c.primaryKey().references('channels.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    // GeneratorConfig's prompts (JSON array of text) and thresholds (JSON object of hours).
    .addColumn('prompts', 'text', (c) => c.notNull())
    .addColumn('rotate_seconds', 'integer', (c) => c.notNull())
    .addColumn('chunk_seconds', 'integer', (c) => c.notNull())
    .addColumn('thresholds', 'text', (c) => c.notNull())
    .addColumn('parallel', 'integer', (c) => c.notNull())
    // The generated playlist in the project document the chunks are appended to.
    .addColumn('playlist_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('generator_chunks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('prompt_index', 'integer', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('asset_id', 'text')
    .addColumn('item_id', 'text')
    .addColumn('duration', 'double precision', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('generating', 'ready', 'aired', 'failed')`))
    // Wall seconds the worker spent making it: the dashboard's × real time.
    .addColumn('generation_seconds', 'double precision')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('generator_chunks_channel_seq').on('generator_chunks').columns(['channel_id', 'seq']).unique().execute();
  await db.schema.alterTable('project_providers').addColumn('music_engine', 'text', (c) => c.notNull().defaultTo('procedural').check(sql`music_engine in ('procedural', 'http')`)).execute();
  await db.schema.alterTable('project_providers').addColumn('music_base_url', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('music_model', 'text').execute();
  await db.schema.alterTable('project_providers').addColumn('music_api_key', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['music_api_key', 'music_model', 'music_base_url', 'music_engine']) await db.schema.alterTable('project_providers').dropColumn(c).execute();
  await db.schema.dropTable('generator_chunks').execute();
  await db.schema.dropTable('channel_generators').execute();
}
