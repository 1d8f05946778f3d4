import { PostgresAdapter, type Kysely } from 'kysely';

/** Column types that differ between SQLite and PostgreSQL. */
export function columnTypes(db: Kysely<any>) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return { binary: pg ? ('bytea' as const) : ('blob' as const), pg };
}
