import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import * as Y from 'yjs';
import { migrations } from '../../../../migrations/index';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { DocLogRepository } from '../yjs/doc-log.repository';
import { openDatabase, type Db } from './database';
import { migrateToLatest } from './migrate';
import type { Database } from './schema';

/** The copy was refused before anything was written (bad paths, a target with data, an outdated source). */
export class CopyRefused extends Error {}

export interface TableReport {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  ok: boolean;
}

export interface CopyReport {
  /** Tables in copy order (parents before the tables that reference them). */
  tables: TableReport[];
  /** Sequences moved past the copied ids, as `table.column → next value`. */
  sequences: string[];
  documents: { checked: number; mismatched: string[] };
  ok: boolean;
}

export interface CopyOptions {
  /** `sqlite:/path/airstudio.db` or a path. */
  from: string;
  /** A `postgres://` URL of an empty database. */
  to: string;
  batchSize?: number;
  log?: (line: string) => void;
}

interface Column {
  name: string;
  /** PostgreSQL's data_type (information_schema): decides how a value is carried over and compared. */
  type: string;
}

interface Table {
  name: string;
  /** Sorted by name, so both sides canonicalise rows in the same column order. */
  columns: Column[];
}

// Kysely's own bookkeeping: the target gets its own rows from migrateToLatest.
const BOOKKEEPING = new Set(['kysely_migration', 'kysely_migration_lock']);
const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric']);

/**
 * Copies a SQLite install's database into an empty PostgreSQL database (migrated to the latest schema first), then
 * verifies every table (row count and an order-independent checksum) and every project's Yjs document on both sides.
 */
export async function copySqliteToPostgres(options: CopyOptions): Promise<CopyReport> {
  const log = options.log ?? (() => {});
  const source = openSqliteSource(options.from);
  let target: Db | null = null;
  try {
    target = await openEmptyTarget(options.to);
    log(`Migrating ${target.describe} to the latest schema…`);
    await migrateToLatest(target.kysely);
    const tables = await discoverTables(source, target.kysely);
    log(`Copying ${tables.length} tables…`);
    const batchSize = options.batchSize ?? 500;
    await target.kysely.transaction().execute(async (tx) => {
      for (const table of tables) {
        const n = await copyTable(source, tx, table, batchSize);
        log(`  ${table.name}: ${n} rows`);
      }
    });
    const sequences = await resetSequences(target.kysely);
    log('Verifying…');
    const reports: TableReport[] = [];
    for (const table of tables) {
      const [s, t] = await Promise.all([tableChecksum(source, 'sqlite', table), tableChecksum(target.kysely, 'postgres', table)]);
      reports.push({ table: table.name, sourceRows: s.rows, targetRows: t.rows, sourceChecksum: s.checksum, targetChecksum: t.checksum, ok: s.rows === t.rows && s.checksum === t.checksum });
    }
    const documents = await compareDocuments(source, target.kysely);
    return { tables: reports, sequences, documents, ok: reports.every((r) => r.ok) && documents.mismatched.length === 0 };
  } finally {
    await source.destroy();
    await target?.close();
  }
}

function openSqliteSource(from: string): Kysely<Database> {
  const file = path.resolve(from.startsWith('sqlite:') ? from.slice('sqlite:'.length) : from);
  if (!from || !fs.existsSync(file)) throw new CopyRefused(`No SQLite database at ${file} (--from takes sqlite:/path/to/DATA_DIR/airstudio.db).`);
  if (!fs.statSync(file).isFile()) throw new CopyRefused(`${file} is not a file (--from takes the database file, e.g. sqlite:./data/airstudio.db).`);
  let handle: SQLite.Database;
  try {
    handle = new SQLite(file, { readonly: true, fileMustExist: true });
    handle.prepare('select count(*) from sqlite_master').get();
  } catch (e) {
    throw new CopyRefused(`${file} is not a readable SQLite database: ${(e as Error).message}`);
  }
  const applied = handle.prepare(`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`).get()
    ? new Set((handle.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name))
    : null;
  if (!applied) {
    handle.close();
    throw new CopyRefused(`${file} is not an airstudio database (it has no migration table).`);
  }
  const missing = Object.keys(migrations).filter((m) => !applied.has(m));
  const unknown = [...applied].filter((m) => !(m in migrations));
  if (missing.length || unknown.length) {
    handle.close();
    throw new CopyRefused(
      missing.length
        ? `${file} is not on this version's schema (missing ${missing.join(', ')}): start this version once on it (npm start) so it upgrades, stop it, then copy.`
        : `${file} was written by a newer airstudio (migrations ${unknown.join(', ')}): copy it with that version.`
    );
  }
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
}

async function openEmptyTarget(url: string): Promise<Db> {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new CopyRefused(`--to takes a postgres:// URL of an empty database (got ${JSON.stringify(url)}).`);
  const db = openDatabase(url);
  try {
    const names = await userTables(db.kysely);
    const withRows: string[] = [];
    for (const name of names) {
      if (BOOKKEEPING.has(name)) continue;
      const r = await sql<{ found: boolean }>`select exists (select 1 from ${sql.table(name)}) as found`.execute(db.kysely);
      if (r.rows[0].found) withRows.push(name);
    }
    if (withRows.length) {
      throw new CopyRefused(
        `${db.describe} already holds data (in ${withRows.join(', ')}); nothing was changed. Copy into an empty database (e.g. createdb airstudio) or drop this one first.`
      );
    }
    return db;
  } catch (e) {
    await db.close();
    if (e instanceof CopyRefused) throw e;
    throw new CopyRefused(`Cannot use ${db.describe}: ${(e as Error).message}`);
  }
}

async function userTables(db: Kysely<any>): Promise<string[]> {
  const r = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return r.rows.map((row) => row.table_name);
}

/** Every table the migrations made, parents first (by the target's foreign keys), with the target's column types. */
async function discoverTables(source: Kysely<Database>, target: Kysely<any>): Promise<Table[]> {
  const names = (await userTables(target)).filter((n) => !BOOKKEEPING.has(n)).sort();
  const cols = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()`.execute(target);
  const fks = await sql<{ child: string; parent: string }>`
    select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = current_schema()`.execute(target);
  const sourceTables = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(source);
  const sourceNames = new Set(sourceTables.rows.map((r) => r.name).filter((n) => !BOOKKEEPING.has(n)));
  const onlySource = [...sourceNames].filter((n) => !names.includes(n));
  const onlyTarget = names.filter((n) => !sourceNames.has(n));
  if (onlySource.length || onlyTarget.length) {
    throw new Error(`The schemas differ after migrating: only in SQLite ${onlySource.join(', ') || '-'}; only in PostgreSQL ${onlyTarget.join(', ') || '-'}.`);
  }
  const tables = new Map<string, Table>();
  for (const name of names) {
    const columns = cols.rows.filter((c) => c.table_name === name).map((c) => ({ name: c.column_name, type: c.data_type }));
    columns.sort((a, b) => (a.name < b.name ? -1 : 1));
    const info = await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(source);
    const sourceCols = info.rows.map((r) => r.name).sort();
    if (sourceCols.join() !== columns.map((c) => c.name).join()) {
      throw new Error(`Table ${name} has columns ${sourceCols.join(', ')} in SQLite but ${columns.map((c) => c.name).join(', ')} in PostgreSQL.`);
    }
    tables.set(name, { name, columns });
  }
  return dependencyOrder(tables, fks.rows.map((r) => ({ child: unquote(r.child), parent: unquote(r.parent) })));
}

function unquote(name: string): string {
  return name.replace(/^"|"$/g, '');
}

/** Parents before children, so foreign keys hold at every insert (a table referencing itself is not ordered by this). */
function dependencyOrder(tables: Map<string, Table>, fks: { child: string; parent: string }[]): Table[] {
  const ordered: Table[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`Foreign keys form a cycle: ${[...trail, name].join(' → ')}.`);
    state.set(name, 'visiting');
    for (const fk of fks) if (fk.child === name && fk.parent !== name && tables.has(fk.parent)) visit(fk.parent, [...trail, name]);
    state.set(name, 'done');
    ordered.push(tables.get(name)!);
  };
  for (const name of tables.keys()) visit(name, []);
  return ordered;
}

/** A SQLite value as the PostgreSQL column takes it; the checksum reads both sides through this too. */
function toTarget(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'bytea') return typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array);
  if (NUMERIC.has(type)) return typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  return typeof value === 'string' ? value : String(value);
}

function canonical(value: unknown, type: string): string {
  const v = toTarget(value, type);
  if (v === null) return 'N';
  if (Buffer.isBuffer(v)) return `B${v.toString('hex')}`;
  if (typeof v === 'number') return `F${Object.is(v, -0) ? 0 : v}`;
  return `S${v as string}`;
}

/** Rows of one table in batches: SQLite streams them; PostgreSQL reads through a cursor, so neither loads a table at once. */
async function forEachBatch(
  db: Kysely<any>,
  dialect: 'sqlite' | 'postgres',
  table: string,
  batchSize: number,
  handle: (rows: Record<string, unknown>[]) => Promise<void> | void
): Promise<void> {
  if (dialect === 'sqlite') {
    let batch: Record<string, unknown>[] = [];
    for await (const row of db.selectFrom(table).selectAll().stream(batchSize)) {
      batch.push(row as Record<string, unknown>);
      if (batch.length >= batchSize) {
        await handle(batch);
        batch = [];
      }
    }
    if (batch.length) await handle(batch);
    return;
  }
  await db.transaction().execute(async (tx) => {
    await sql`declare copy_rows no scroll cursor for select * from ${sql.table(table)}`.execute(tx);
    for (;;) {
      const r = await sql<Record<string, unknown>>`fetch ${sql.raw(String(batchSize))} from copy_rows`.execute(tx);
      if (!r.rows.length) break;
      await handle(r.rows);
    }
  });
}

async function copyTable(source: Kysely<Database>, tx: Kysely<any>, table: Table, batchSize: number): Promise<number> {
  // PostgreSQL takes at most 65535 parameters per statement.
  const rowsPerInsert = Math.max(1, Math.min(batchSize, Math.floor(60_000 / table.columns.length)));
  let copied = 0;
  await forEachBatch(source, 'sqlite', table.name, rowsPerInsert, async (rows) => {
    const values = rows.map((row) => Object.fromEntries(table.columns.map((c) => [c.name, toTarget(row[c.name], c.type)])));
    await tx.insertInto(table.name).values(values).execute();
    copied += rows.length;
  });
  return copied;
}

/** Serial and identity columns continue after the highest copied id (copied rows kept their ids). */
async function resetSequences(db: Kysely<any>): Promise<string[]> {
  const r = await sql<{ table_name: string; column_name: string; seq: string }>`
    select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
    from information_schema.columns
    where table_schema = current_schema() and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`.execute(db);
  const out: string[] = [];
  for (const { table_name, column_name, seq } of r.rows) {
    const next = await sql<{ next: number }>`
      select coalesce(max(${sql.ref(column_name)}), 0) + 1 as next from ${sql.table(table_name)}`.execute(db);
    const value = Number(next.rows[0].next);
    await sql`select setval(${seq}::regclass, ${value}, false)`.execute(db);
    out.push(`${table_name}.${column_name} → ${value}`);
  }
  return out;
}

/**
 * Row count and a checksum that does not depend on row order (the two databases order text differently): the sum,
 * modulo 2^256, of each row's SHA-256 over its canonical column values.
 */
async function tableChecksum(db: Kysely<any>, dialect: 'sqlite' | 'postgres', table: Table): Promise<{ rows: number; checksum: string }> {
  let sum = 0n;
  let rows = 0;
  await forEachBatch(db, dialect, table.name, 1000, (batch) => {
    for (const row of batch) {
      const line = JSON.stringify(table.columns.map((c) => canonical(row[c.name], c.type)));
      sum = (sum + BigInt(`0x${createHash('sha256').update(line).digest('hex')}`)) & ((1n << 256n) - 1n);
      rows++;
    }
  });
  return { rows, checksum: sum.toString(16).padStart(64, '0') };
}

/** Each project's stored document (snapshot and update log) loaded on both sides, as the studio loads it. */
async function compareDocuments(source: Kysely<Database>, target: Kysely<Database>): Promise<{ checked: number; mismatched: string[] }> {
  const projects = await source.selectFrom('projects').select('id').execute();
  const from = new DocLogRepository(source);
  const to = new DocLogRepository(target);
  const mismatched: string[] = [];
  for (const { id } of projects) {
    const [a, b] = await Promise.all([from.load(id), to.load(id)]);
    if (documentFingerprint(a) !== documentFingerprint(b)) mismatched.push(id);
  }
  return { checked: projects.length, mismatched };
}

/** State vector, full state and the typed model's readable content of a stored document. */
export function documentFingerprint(stored: { snapshot: Uint8Array | null; updates: Uint8Array[] }): string {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  const model = new ProjectDoc(doc);
  const fingerprint = JSON.stringify({
    stateVector: Buffer.from(Y.encodeStateVector(doc)).toString('base64'),
    state: createHash('sha256').update(Y.encodeStateAsUpdate(doc)).digest('base64'),
    meta: model.meta.toJSON(),
    notes: model.notes.toString(),
    comments: model.commentList()
  });
  doc.destroy();
  return fingerprint;
}

/** The per-table report an operator reads. */
export function formatReport(report: CopyReport): string {
  const width = Math.max(...report.tables.map((t) => t.table.length), 5);
  const lines = [`${'table'.padEnd(width)}  ${'sqlite'.padStart(8)}  ${'postgres'.padStart(8)}  checksum`];
  for (const t of report.tables) {
    const check = t.ok ? `ok ${t.sourceChecksum.slice(0, 12)}` : `MISMATCH sqlite ${t.sourceChecksum.slice(0, 12)} postgres ${t.targetChecksum.slice(0, 12)}`;
    lines.push(`${t.table.padEnd(width)}  ${String(t.sourceRows).padStart(8)}  ${String(t.targetRows).padStart(8)}  ${check}`);
  }
  lines.push(`sequences: ${report.sequences.join(', ') || 'none'}`);
  lines.push(
    `documents: ${report.documents.checked} checked, ${report.documents.mismatched.length ? `MISMATCH in ${report.documents.mismatched.join(', ')}` : 'all load to the same state'}`
  );
  return lines.join('\n');
}
