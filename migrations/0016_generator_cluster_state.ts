import type { Kysely } from 'kysely';

/**
 * A channel generator's alert state and failure pause, in the database rather than one web process's memory: with
 * several web processes the depleted/recovered webhooks go out once per transition, and survive a restart.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channel_generators').addColumn('depleted', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('channel_generators').addColumn('paused_until', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channel_generators').dropColumn('paused_until').execute();
  await db.schema.alterTable('channel_generators').dropColumn('depleted').execute();
}
