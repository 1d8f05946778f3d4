import type { Kysely } from 'kysely';
import type { Database, NewUser, UserRow } from '../db/schema';

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(user: NewUser): Promise<void> {
    await this.db.insertInto('users').values(user).execute();
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The instance's first account: its operator (credit grants and prices). */
  first(): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }

  /** Usernames and emails are stored lower-case, so lookups are case-insensitive. */
  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
  }

  async updateDisplayName(id: string, displayName: string): Promise<void> {
    await this.db.updateTable('users').set({ display_name: displayName }).where('id', '=', id).execute();
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async usernameOrEmailTaken(username: string, email: string): Promise<{ username: boolean; email: boolean }> {
    const rows = await this.db
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', '=', username.toLowerCase()), eb('email', '=', email.toLowerCase())]))
      .execute();
    return {
      username: rows.some((r) => r.username === username.toLowerCase()),
      email: rows.some((r) => r.email === email.toLowerCase())
    };
  }
}
