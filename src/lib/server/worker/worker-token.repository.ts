import type { Kysely } from 'kysely';
import type { Database, WorkerTokenRow } from '../db/schema';

export class WorkerTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: WorkerTokenRow): Promise<void> {
    await this.db.insertInto('worker_tokens').values(row).execute();
  }

  findById(id: string): Promise<WorkerTokenRow | undefined> {
    return this.db.selectFrom('worker_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForOwner(ownerId: string): Promise<WorkerTokenRow[]> {
    return this.db.selectFrom('worker_tokens').selectAll().where('owner_id', '=', ownerId).orderBy('created_at', 'desc').execute();
  }

  async revoke(id: string, ownerId: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('worker_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('owner_id', '=', ownerId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async markUsed(id: string, at: number): Promise<void> {
    await this.db.updateTable('worker_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
