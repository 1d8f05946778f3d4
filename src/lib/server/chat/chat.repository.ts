import type { Kysely } from 'kysely';
import type { ChatBanRow, ChatMessageRow, Database } from '../db/schema';

/** Who a chat participant is, for bans and slow mode: a user, or a guest id plus the address hash. */
export interface ChatIdentity {
  userId: string | null;
  guestId: string | null;
  ipHash: string;
}

/** All SQL about chat messages and bans. */
export class ChatRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMessage(row: ChatMessageRow): Promise<void> {
    await this.db.insertInto('chat_messages').values(row).execute();
  }

  /** The latest visible messages, oldest first. */
  async recent(channelId: string, limit: number): Promise<ChatMessageRow[]> {
    const rows = await this.db
      .selectFrom('chat_messages')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }

  findMessage(id: string): Promise<ChatMessageRow | undefined> {
    return this.db.selectFrom('chat_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async markDeleted(id: string, by: string, at: number): Promise<void> {
    await this.db.updateTable('chat_messages').set({ deleted_at: at, deleted_by: by }).where('id', '=', id).execute();
  }

  /** When this participant last posted in the channel (for slow mode). */
  async lastPostAt(channelId: string, who: ChatIdentity): Promise<number | null> {
    let q = this.db.selectFrom('chat_messages').select((eb) => eb.fn.max('created_at').as('at')).where('channel_id', '=', channelId);
    q = who.userId ? q.where('user_id', '=', who.userId) : q.where('guest_id', '=', who.guestId ?? '');
    const row = await q.executeTakeFirst();
    return row?.at == null ? null : Number(row.at);
  }

  async addBan(row: ChatBanRow): Promise<void> {
    await this.db.insertInto('chat_bans').values(row).execute();
  }

  /** Bans and mutes in force for this participant; guests also match by address. */
  active(channelId: string, who: ChatIdentity, now: number): Promise<ChatBanRow[]> {
    return this.db
      .selectFrom('chat_bans')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
      .where((eb) =>
        who.userId
          ? eb('user_id', '=', who.userId)
          : eb.or([eb('guest_id', '=', who.guestId ?? ''), eb.and([eb('ip_hash', '=', who.ipHash), eb('user_id', 'is', null)])])
      )
      .execute();
  }
}
