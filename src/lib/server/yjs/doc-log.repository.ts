import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

export interface StoredDoc {
  snapshot: Uint8Array | null;
  updates: Uint8Array[];
  /** Highest update id read; a compaction folds up to here. */
  lastUpdateId: number;
}

/** The append-only Yjs update log and its snapshots. */
export class DocLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(projectId: string, data: Uint8Array, at: number): Promise<number> {
    const row = await this.db.insertInto('doc_updates').values({ project_id: projectId, data, created_at: at }).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async load(projectId: string): Promise<StoredDoc> {
    return this.db.transaction().execute(async (tx) => {
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

  /** Replaces the snapshot with `state` (which already contains every update up to `upToId`) and drops those updates. */
  async compact(projectId: string, state: Uint8Array, upToId: number, at: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('doc_snapshots')
        .values({ project_id: projectId, data: state, last_update_id: upToId, updated_at: at })
        .onConflict((oc) => oc.column('project_id').doUpdateSet({ data: state, last_update_id: upToId, updated_at: at }))
        .execute();
      await tx.deleteFrom('doc_updates').where('project_id', '=', projectId).where('id', '<=', upToId).execute();
    });
  }
}
