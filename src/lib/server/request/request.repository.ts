import type { Kysely } from 'kysely';
import type { Database, SongRequestRow } from '../db/schema';

export interface RequestableRow {
  id: string;
  title: string;
  artist: string;
  duration: number | null;
}

/** All SQL of song requests, and the library lookups they need. */
export class RequestRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Approved, processed audio of the project among `ids` that has a broadcast copy, matching `q`, by title. */
  async requestable(projectId: string, ids: string[], q: string, limit: number, offset: number): Promise<{ items: RequestableRow[]; total: number }> {
    if (ids.length === 0) return { items: [], total: 0 };
    let query = this.db
      .selectFrom('assets')
      .innerJoin('asset_variants', (j) => j.onRef('asset_variants.asset_id', '=', 'assets.id').on('asset_variants.name', '=', 'broadcast'))
      .where('assets.project_id', '=', projectId)
      .where('assets.id', 'in', ids)
      .where('assets.status', '=', 'approved')
      .where('assets.processing', '=', 'ready')
      .where('assets.kind', '=', 'audio');
    if (q) {
      const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) => eb.or([eb(eb.fn('lower', ['assets.title']), 'like', like), eb(eb.fn('lower', ['assets.artist']), 'like', like)]));
    }
    const { total } = await query.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow();
    const items = await query
      .select(['assets.id', 'assets.title', 'assets.artist', 'assets.duration'])
      .orderBy('assets.title')
      .orderBy('assets.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { items, total: Number(total) };
  }

  async insert(row: SongRequestRow): Promise<void> {
    await this.db.insertInto('song_requests').values(row).execute();
  }

  findById(id: string): Promise<SongRequestRow | undefined> {
    return this.db.selectFrom('song_requests').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The channel's pending requests, oldest first. */
  pending(channelId: string): Promise<SongRequestRow[]> {
    return this.db.selectFrom('song_requests').selectAll().where('channel_id', '=', channelId).where('status', '=', 'pending').orderBy('requested_at').orderBy('id').execute();
  }

  /** Pending requests and those played since `since`, oldest first, with the song's title and artist. */
  queue(channelId: string, since: number) {
    return this.db
      .selectFrom('song_requests')
      .innerJoin('assets', 'assets.id', 'song_requests.asset_id')
      .selectAll('song_requests')
      .select(['assets.title', 'assets.artist'])
      .where('song_requests.channel_id', '=', channelId)
      .where((eb) => eb.or([eb('song_requests.status', '=', 'pending'), eb.and([eb('song_requests.status', '=', 'played'), eb('song_requests.played_at', '>=', since)])]))
      .orderBy('song_requests.requested_at')
      .orderBy('song_requests.id')
      .limit(500)
      .execute();
  }

  /** One listener's requests: pending ones, and those played or removed since `since` (by request time), newest first. */
  mine(channelId: string, by: { userId: string } | { guestId: string }, since: number) {
    return this.db
      .selectFrom('song_requests')
      .innerJoin('assets', 'assets.id', 'song_requests.asset_id')
      .selectAll('song_requests')
      .select(['assets.title', 'assets.artist'])
      .where('song_requests.channel_id', '=', channelId)
      .where('userId' in by ? 'song_requests.user_id' : 'song_requests.guest_id', '=', 'userId' in by ? by.userId : by.guestId)
      .where((eb) => eb.or([eb('song_requests.status', '=', 'pending'), eb('song_requests.requested_at', '>=', since)]))
      .orderBy('song_requests.requested_at', 'desc')
      .orderBy('song_requests.id')
      .limit(20)
      .execute();
  }

  /** The latest time `assetId` aired on the channel or was asked for (pending or played) since `since`, or null. */
  async lastUse(channelId: string, assetId: string, since: number): Promise<{ played: number | null; requested: number | null; pending: boolean }> {
    const play = await this.db
      .selectFrom('play_log')
      .select((eb) => eb.fn.max('started_at').as('t'))
      .where('channel_id', '=', channelId)
      .where('asset_id', '=', assetId)
      .where('started_at', '>=', since)
      .executeTakeFirst();
    const requests = await this.db
      .selectFrom('song_requests')
      .select(['requested_at', 'status'])
      .where('channel_id', '=', channelId)
      .where('asset_id', '=', assetId)
      .where('status', '!=', 'removed')
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb('requested_at', '>=', since)]))
      .execute();
    const requested = requests.length ? Math.max(...requests.map((r) => Number(r.requested_at))) : null;
    return { played: play?.t == null ? null : Number(play.t), requested, pending: requests.some((r) => r.status === 'pending') };
  }

  async markPlayed(channelId: string, id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('song_requests').set({ status: 'played', played_at: at }).where('id', '=', id).where('channel_id', '=', channelId).where('status', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.updateTable('song_requests').set({ status: 'removed' }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
