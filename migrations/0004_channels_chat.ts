import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect';

/** The station: channels of a project, their live chat (messages, bans and mutes) and the play log. */
export async function up(db: Kysely<any>): Promise<void> {
  const { binary, pg } = columnTypes(db);
  const real = pg ? 'double precision' : 'real';

  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // Instance-wide: the stream page lives at /live/<slug>.
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('audio', 'video')`))
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'private')`))
    .addColumn('crossfade_seconds', real, (c) => c.notNull().defaultTo(2))
    .addColumn('loudness_target', real, (c) => c.notNull().defaultTo(-16))
    .addColumn('fallback_playlist_id', 'text')
    // JSON validated by channel.schema.ts; holds the output secrets, which never leave the server in full.
    .addColumn('outputs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('requests_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('request_delay_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('min_repeat_minutes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('chat_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('slow_mode_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recording_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('recording_retention_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('stream_key_hash', binary, (c) => c.notNull())
    .addColumn('stream_key_hint', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('channels_project').on('channels').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('chat_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('guest_id', 'text')
    .addColumn('ip_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'editor', 'viewer', 'user', 'guest')`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addColumn('deleted_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('chat_messages_channel').on('chat_messages').columns(['channel_id', 'created_at']).execute();

  await db.schema
    .createTable('chat_bans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('ban', 'mute')`))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('guest_id', 'text')
    // Guests are also matched by address, so a fresh guest id from the same place stays banned.
    .addColumn('ip_hash', 'text')
    // null: until lifted.
    .addColumn('until', 'bigint')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_bans_channel').on('chat_bans').columns(['channel_id', 'kind']).execute();

  await db.schema
    .createTable('play_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('artist', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('track', 'jingle', 'live', 'fallback', 'request')`))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('listeners', 'integer')
    .execute();
  await db.schema.createIndex('play_log_channel').on('play_log').columns(['channel_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['play_log', 'chat_bans', 'chat_messages', 'channels']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
