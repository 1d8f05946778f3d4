import type { Kysely } from 'kysely';

/**
 * The station's dashboard: a listener's request carries an optional name and message for the team, and each aired
 * item keeps the most listeners it had while it played (`play_log.listeners`, from 0004, is the count at its start).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('song_requests').addColumn('name', 'text').execute();
  await db.schema.alterTable('song_requests').addColumn('message', 'text').execute();
  await db.schema.alterTable('play_log').addColumn('peak_listeners', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('play_log').dropColumn('peak_listeners').execute();
  await db.schema.alterTable('song_requests').dropColumn('message').execute();
  await db.schema.alterTable('song_requests').dropColumn('name').execute();
}
