import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect';

export async function up(db: Kysely<any>): Promise<void> {
  const { binary, pg } = columnTypes(db);
  const real = pg ? 'double precision' : 'real';

  // Viewers may upload into this project; their uploads wait for approval.
  await db.schema
    .alterTable('projects')
    .addColumn('viewer_uploads', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('worker_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // null: an operator's token (CLI or the local supervisor) that serves every project.
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('secret_hash', binary, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'canceled')`)
    )
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('progress', real, (c) => c.notNull().defaultTo(0))
    .addColumn('progress_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // NULL keys are distinct in both databases: only keyed jobs are deduplicated.
  await db.schema.createIndex('jobs_idempotency').on('jobs').columns(['project_id', 'idempotency_key']).unique().execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'type', 'priority', 'run_after']).execute();
  await db.schema.createIndex('jobs_project').on('jobs').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('jobs_lease').on('jobs').columns(['status', 'lease_expires_at']).execute();

  await db.schema
    .createTable('assets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('audio', 'video', 'image')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'rejected')`))
    .addColumn('rejection_reason', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('artist', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('duration', real)
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('probe', 'text')
    .addColumn('processing', 'text', (c) =>
      c.notNull().check(sql`processing in ('queued', 'running', 'ready', 'failed')`)
    )
    .addColumn('processing_error', 'text')
    .addColumn('processing_job_id', 'text')
    .addColumn('uploaded_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assets_project_sha').on('assets').columns(['project_id', 'sha256']).unique().execute();
  await db.schema.createIndex('assets_project_created').on('assets').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('assets_sha').on('assets').column('sha256').execute();

  await db.schema
    .createTable('asset_variants')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('meta', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_variants_pk', ['asset_id', 'name'])
    .execute();
  await db.schema.createIndex('asset_variants_sha').on('asset_variants').column('sha256').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['asset_variants', 'assets', 'jobs', 'worker_tokens']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await db.schema.alterTable('projects').dropColumn('viewer_uploads').execute();
}
