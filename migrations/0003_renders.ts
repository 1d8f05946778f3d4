import type { Kysely } from 'kysely';

/** A rendered cut is an asset that remembers the render job and the document version it was made from. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assets').addColumn('render_job_id', 'text').execute();
  await db.schema.alterTable('assets').addColumn('doc_version', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assets').dropColumn('doc_version').execute();
  await db.schema.alterTable('assets').dropColumn('render_job_id').execute();
}
