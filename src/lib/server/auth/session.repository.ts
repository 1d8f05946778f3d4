import type { Kysely } from 'kysely';
import type { Database, SessionRow, UserRow } from '../db/schema';

/** A session as its owner may see it: no secret hash. */
export type SessionSummary = Omit<SessionRow, 'secret_hash'>;

export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(session).execute();
  }

  async findWithUser(id: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as s_id', 'sessions.user_id as s_user_id', 'sessions.secret_hash as s_secret_hash',
        'sessions.created_at as s_created_at', 'sessions.last_verified_at as s_last_verified_at', 'sessions.user_agent as s_user_agent',
        'users.id', 'users.username', 'users.email', 'users.display_name', 'users.color', 'users.password_hash', 'users.created_at'
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const { s_id, s_user_id, s_secret_hash, s_created_at, s_last_verified_at, s_user_agent, ...user } = row;
    return {
      session: { id: s_id, user_id: s_user_id, secret_hash: s_secret_hash, created_at: s_created_at, last_verified_at: s_last_verified_at, user_agent: s_user_agent },
      user
    };
  }

  /** The user's sessions used since `activeSince`, most recently used first. */
  listForUser(userId: string, activeSince: number): Promise<SessionSummary[]> {
    return this.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'created_at', 'last_verified_at', 'user_agent'])
      .where('user_id', '=', userId)
      .where('last_verified_at', '>=', activeSince)
      .orderBy('last_verified_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
  }

  async touch(id: string, lastVerifiedAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_verified_at: lastVerifiedAt }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteOthers(userId: string, keepId: string): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteInactiveSince(cutoff: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('last_verified_at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
