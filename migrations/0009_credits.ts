import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect';

/**
 * The credit ledger: one account per user (the owner of the projects that spend it), its entries (grants, charges
 * for priced jobs, refunds of charges), and the operator's prices per job type (defaults live in the code).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { pg } = columnTypes(db);
  const real = pg ? 'double precision' : 'real';
  await db.schema
    .createTable('credit_accounts')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // The sum of the account's entries, kept with them in one transaction so a charge can check it under a lock.
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('credit_entries')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('user_id', 'text', (c) => c.notNull().references('credit_accounts.user_id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('grant', 'charge', 'refund')`))
    // Signed: grants and refunds add, charges subtract.
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    // No foreign keys to jobs or projects: the ledger outlives them.
    .addColumn('project_id', 'text')
    .addColumn('job_id', 'text')
    .addColumn('job_type', 'text')
    .addColumn('content_minutes', real)
    .addColumn('credits_per_minute', 'integer')
    // The charge a refund gives back; unique, so a charge is refunded at most once whoever races to do it.
    .addColumn('refund_of', 'bigint', (c) => c.unique())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credit_entries_user').on('credit_entries').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('credit_entries_project').on('credit_entries').columns(['project_id', 'id']).execute();
  await db.schema.createIndex('credit_entries_job').on('credit_entries').columns(['job_id', 'id']).execute();

  await db.schema
    .createTable('credit_prices')
    .addColumn('job_type', 'text', (c) => c.primaryKey())
    .addColumn('credits_per_minute', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('credit_prices').execute();
  await db.schema.dropTable('credit_entries').execute();
  await db.schema.dropTable('credit_accounts').execute();
}
