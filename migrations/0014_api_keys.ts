import type { Kysely } from 'kysely';
import { columnTypes } from './dialect';

/**
 * The integration API: project API keys (scoped, hashed at rest), stored answers for Idempotency-Key headers, and
 * request callbacks as webhooks tied to one job (so they share the signed, retried delivery log).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { binary } = columnTypes(db);
  await db.schema
    .createTable('project_api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON array of scope names.
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('secret_hash', binary, (c) => c.notNull())
    // Kept in full: request callbacks are signed with it.
    .addColumn('signing_secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('project_api_keys_project').on('project_api_keys').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('api_idempotency')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    // SHA-256 of method, path and body: the same key with another request is refused.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // Null while the first request is still being answered.
    .addColumn('status_code', 'integer')
    .addColumn('response', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_idempotency_pk', ['project_id', 'key'])
    .execute();

  // Set: the webhook is one API request's callbackUrl, for that job only (hidden from the project's webhook list).
  await db.schema.alterTable('webhooks').addColumn('job_id', 'text', (c) => c.references('jobs.id').onDelete('cascade')).execute();
  await db.schema.createIndex('webhooks_job').on('webhooks').column('job_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhooks_job').execute();
  await db.schema.alterTable('webhooks').dropColumn('job_id').execute();
  await db.schema.dropTable('api_idempotency').execute();
  await db.schema.dropTable('project_api_keys').execute();
}
