import type { Kysely } from 'kysely';

/** The live output: each play_log row keeps the planned item it aired, so a replan continues sequential playlists. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('play_log').addColumn('plan_item', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('play_log').dropColumn('plan_item').execute();
}
