import { sql, type Kysely, type Transaction } from 'kysely';
import * as Y from 'yjs';
import type { Database } from '../db/schema';
import type { DialectName } from '../db/database';

export interface StoredDoc {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** Ids of `updates`, in the same order. */
  updateIds: number[];
  /** The update id the snapshot folds up to (0 without one). */
  snapshotUpToId: number;
  /** Highest update id read; a compaction folds up to here. */
  lastUpdateId: number;
}

/** What the caller's state is known to hold: the snapshot it started from and the rows it applied since. */
export interface KnownRows {
  snapshotUpToId: number;
  rowIds: ReadonlySet<number>;
}

/**
 * The append-only Yjs update log and its snapshots, written by one or several web processes. On PostgreSQL a
 * per-project advisory lock orders them: appends and loads share it, a compaction takes it alone, so a compaction
 * never folds while a lower row id is still uncommitted, and a load never reads a snapshot and rows of two
 * different compactions. SQLite's single connection already serializes all of it.
 */
export class DocLogRepository {
  private readonly postgres: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: DialectName = 'sqlite'
  ) {
    this.postgres = dialect === 'postgres';
  }

  private async lock(tx: Transaction<Database>, projectId: string, mode: 'shared' | 'exclusive'): Promise<void> {
    if (!this.postgres) return;
    if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(hashtext(${projectId}))`.execute(tx);
    else await sql`select pg_advisory_xact_lock(hashtext(${projectId}))`.execute(tx);
  }

  async append(projectId: string, data: Uint8Array, at: number): Promise<number> {
    const insert = (db: Kysely<Database>) =>
      db.insertInto('doc_updates').values({ project_id: projectId, data, created_at: at }).returning('id').executeTakeFirstOrThrow();
    if (!this.postgres) return Number((await insert(this.db)).id);
    return this.db.transaction().execute(async (tx) => {
      await this.lock(tx, projectId, 'shared');
      return Number((await insert(tx)).id);
    });
  }

  async load(projectId: string): Promise<StoredDoc> {
    return this.db.transaction().execute(async (tx) => {
      await this.lock(tx, projectId, 'shared');
      const snap = await tx.selectFrom('doc_snapshots').select(['data', 'last_update_id']).where('project_id', '=', projectId).executeTakeFirst();
      const after = snap ? Number(snap.last_update_id) : 0;
      const rows = await tx
        .selectFrom('doc_updates')
        .select(['id', 'data'])
        .where('project_id', '=', projectId)
        .where('id', '>', after)
        .orderBy('id', 'asc')
        .execute();
      return {
        snapshot: snap ? new Uint8Array(snap.data) : null,
        updates: rows.map((r) => new Uint8Array(r.data)),
        updateIds: rows.map((r) => Number(r.id)),
        snapshotUpToId: after,
        lastUpdateId: rows.length ? Number(rows[rows.length - 1].id) : after
      };
    });
  }

  async countSince(projectId: string, afterId: number): Promise<number> {
    const r = await this.db
      .selectFrom('doc_updates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('id', '>', afterId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Folds every update up to `upToId` into the snapshot and drops those rows. `state` is the caller's document; the
   * stored snapshot and rows it may not hold (another process wrote them) are merged in, unless `known` shows it holds
   * them all. Returns false, writing nothing, when the stored snapshot already reaches `upToId` (another process
   * compacted as far or further).
   */
  async compact(projectId: string, state: Uint8Array, upToId: number, at: number, known?: KnownRows): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await this.lock(tx, projectId, 'exclusive');
      const snap = await tx.selectFrom('doc_snapshots').select(['last_update_id']).where('project_id', '=', projectId).executeTakeFirst();
      const snapUpTo = snap ? Number(snap.last_update_id) : 0;
      if (snapUpTo >= upToId) return false;
      const ids = await this.rowsBetween(tx, projectId, snapUpTo, upToId).select('id').execute();
      const covered = known !== undefined && known.snapshotUpToId === snapUpTo && ids.every((r) => known.rowIds.has(Number(r.id)));
      let merged = state;
      if (!covered) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state);
        const stored = await tx.selectFrom('doc_snapshots').select('data').where('project_id', '=', projectId).executeTakeFirst();
        if (stored) Y.applyUpdate(doc, new Uint8Array(stored.data));
        for (const r of await this.rowsBetween(tx, projectId, snapUpTo, upToId).select('data').orderBy('id', 'asc').execute()) Y.applyUpdate(doc, new Uint8Array(r.data));
        merged = Y.encodeStateAsUpdate(doc);
        doc.destroy();
      }
      await tx
        .insertInto('doc_snapshots')
        .values({ project_id: projectId, data: merged, last_update_id: upToId, updated_at: at })
        .onConflict((oc) => oc.column('project_id').doUpdateSet({ data: merged, last_update_id: upToId, updated_at: at }))
        .execute();
      await tx.deleteFrom('doc_updates').where('project_id', '=', projectId).where('id', '<=', upToId).execute();
      return true;
    });
  }

  private rowsBetween(tx: Transaction<Database>, projectId: string, afterId: number, upToId: number) {
    return tx.selectFrom('doc_updates').where('project_id', '=', projectId).where('id', '>', afterId).where('id', '<=', upToId);
  }
}
