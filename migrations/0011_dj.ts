import { sql, type Kysely } from 'kysely';

/** The AutoDJ: a persona per channel, and the intros it writes and voices ahead of air time. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channel_dj')
    .addColumn('channel_id', 'text', (c) => c.primaryKey().references('channels.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('style', 'text', (c) => c.notNull())
    // Null engine: the project's voice (Providers) speaks.
    .addColumn('tts_engine', 'text', (c) => c.check(sql`tts_engine in ('festival', 'flite', 'espeak-ng', 'openai')`))
    .addColumn('tts_voice', 'text')
    .addColumn('tts_rate', 'double precision', (c) => c.notNull())
    .addColumn('tts_pitch', 'double precision', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull().check(sql`policy in ('every', 'every-n', 'show-start')`))
    .addColumn('every_n', 'integer', (c) => c.notNull())
    .addColumn('station_id_hourly', 'integer', (c) => c.notNull())
    .addColumn('duck_db', 'double precision', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('dj_intros')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('intro', 'station-id')`))
    // "<assetId>@<planned start ms>": one intro per plan item.
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('planned_start', 'bigint', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('llm', 'template')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'voicing', 'ready', 'failed')`))
    .addColumn('voice_sha256', 'text')
    .addColumn('duration', 'double precision')
    .addColumn('error', 'text')
    .addColumn('job_id', 'text')
    .addColumn('edited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('dj_intros_channel_item', ['channel_id', 'item_key'])
    .execute();
  await db.schema.createIndex('dj_intros_channel_start').on('dj_intros').columns(['channel_id', 'planned_start']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dj_intros').execute();
  await db.schema.dropTable('channel_dj').execute();
}
