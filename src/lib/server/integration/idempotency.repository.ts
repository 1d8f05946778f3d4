import type { Kysely } from 'kysely';
import type { ApiIdempotencyRow, Database } from '../db/schema';

/** Stored answers to API requests sent with an Idempotency-Key, per project. */
export class IdempotencyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes the key for this request, or returns the row that already holds it. */
  async claim(projectId: string, key: string, requestHash: string, at: number): Promise<{ claimed: true } | { claimed: false; row: ApiIdempotencyRow }> {
    const inserted = await this.db
      .insertInto('api_idempotency')
      .values({ project_id: projectId, key, request_hash: requestHash, status_code: null, response: null, created_at: at })
      .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { claimed: true };
    const row = await this.db.selectFrom('api_idempotency').selectAll().where('project_id', '=', projectId).where('key', '=', key).executeTakeFirst();
    // Released between our insert and select: the caller may try again.
    return row ? { claimed: false, row } : this.claim(projectId, key, requestHash, at);
  }

  async complete(projectId: string, key: string, statusCode: number, response: string): Promise<void> {
    await this.db.updateTable('api_idempotency').set({ status_code: statusCode, response }).where('project_id', '=', projectId).where('key', '=', key).execute();
  }

  /** Frees a key whose request failed, so the client can retry it. */
  async release(projectId: string, key: string): Promise<void> {
    await this.db.deleteFrom('api_idempotency').where('project_id', '=', projectId).where('key', '=', key).execute();
  }

  async deleteOlderThan(projectId: string, before: number): Promise<void> {
    await this.db.deleteFrom('api_idempotency').where('project_id', '=', projectId).where('created_at', '<', before).execute();
  }
}
