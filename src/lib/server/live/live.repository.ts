import type { Kysely } from 'kysely';
import type { Database, JobRow } from '../db/schema';

export interface PlayLogInsert {
  id: string;
  channel_id: string;
  asset_id: string | null;
  title: string;
  artist: string;
  kind: 'track' | 'jingle' | 'fallback' | 'request';
  started_at: number;
  ended_at: number;
  plan_item: string;
  /** Distinct listeners with an active player as it started; also its first peak. */
  listeners: number;
}

/** An aired item as the team's play log shows it. */
export interface PlayLogEntry {
  id: string;
  asset_id: string | null;
  title: string;
  artist: string;
  kind: string;
  started_at: number;
  ended_at: number | null;
  listeners: number | null;
  peak_listeners: number | null;
}

export interface LibraryAssetRow {
  id: string;
  kind: 'audio' | 'video';
  /** It has a broadcast copy of its sound (a video without sound has none). */
  broadcast: boolean;
  title: string;
  artist: string;
  duration: number | null;
  status: string;
}

/** All SQL of the live output: the play log, the station's library and a channel's live job. */
export class LiveRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** False when that item was already logged (a worker retrying its report). */
  async insertPlay(row: PlayLogInsert): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('play_log')
        .select('id')
        .where('channel_id', '=', row.channel_id)
        .where('started_at', '=', row.started_at)
        .where('asset_id', row.asset_id === null ? 'is' : '=', row.asset_id)
        .executeTakeFirst();
      if (existing) return false;
      await tx.insertInto('play_log').values({ ...row, peak_listeners: row.listeners }).execute();
      return true;
    });
  }

  /** Plays that started in [since, until], oldest first, at most `limit` (the latest ones). */
  async plays(channelId: string, since: number, until: number, limit = 1000) {
    const rows = await this.db
      .selectFrom('play_log')
      .select(['asset_id', 'title', 'artist', 'kind', 'started_at', 'ended_at', 'plan_item'])
      .where('channel_id', '=', channelId)
      .where('started_at', '>=', since)
      .where('started_at', '<=', until)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }

  /** The channel's latest plays, newest first, with their listener counts. */
  async recentPlays(channelId: string, limit: number): Promise<PlayLogEntry[]> {
    const rows = await this.db
      .selectFrom('play_log')
      .select(['id', 'asset_id', 'title', 'artist', 'kind', 'started_at', 'ended_at', 'listeners', 'peak_listeners'])
      .where('channel_id', '=', channelId)
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    // PostgreSQL's bigint arrives as a string.
    return rows.map((r) => ({ ...r, started_at: Number(r.started_at), ended_at: r.ended_at === null ? null : Number(r.ended_at) }));
  }

  /** Raises the peak of what is airing at `at` to `listeners` (never lowers it). */
  async raisePeak(channelId: string, at: number, listeners: number): Promise<void> {
    await this.db
      .updateTable('play_log')
      .set({ peak_listeners: listeners })
      .where('channel_id', '=', channelId)
      .where('started_at', '<=', at)
      .where('ended_at', '>', at)
      .where((eb) => eb.or([eb('peak_listeners', 'is', null), eb('peak_listeners', '<', listeners)]))
      .execute();
  }

  /** A live takeover in the play log: no plan item (the plan's history skips it), no end until it leaves the air. */
  async insertLivePlay(row: { id: string; channel_id: string; title: string; started_at: number; listeners: number }): Promise<void> {
    await this.db
      .insertInto('play_log')
      .values({ ...row, asset_id: null, artist: '', kind: 'live', ended_at: null, plan_item: null, peak_listeners: row.listeners })
      .execute();
  }

  async endLivePlay(id: string, endedAt: number): Promise<void> {
    await this.db.updateTable('play_log').set({ ended_at: endedAt }).where('id', '=', id).where('ended_at', 'is', null).execute();
  }

  /**
   * What can go on air on a channel of `channelKind`: approved audio with its loudness-normalised broadcast copy; on a
   * video channel also approved video with its 720p proxy (and a broadcast copy when it has sound: `broadcast` says).
   */
  async airable(projectId: string, channelKind: 'audio' | 'video'): Promise<LibraryAssetRow[]> {
    const rows = await this.db
      .selectFrom('assets')
      .leftJoin('asset_variants as b', (j) => j.onRef('b.asset_id', '=', 'assets.id').on('b.name', '=', 'broadcast'))
      .leftJoin('asset_variants as p', (j) => j.onRef('p.asset_id', '=', 'assets.id').on('p.name', '=', 'proxy'))
      .select(['assets.id', 'assets.kind', 'assets.title', 'assets.artist', 'assets.duration', 'assets.status', 'b.name as broadcast', 'p.name as proxy'])
      .where('assets.project_id', '=', projectId)
      .where('assets.status', '=', 'approved')
      .where('assets.processing', '=', 'ready')
      .where('assets.kind', 'in', channelKind === 'video' ? ['audio', 'video'] : ['audio'])
      .execute();
    return rows
      .filter((r) => (r.kind === 'audio' ? r.broadcast !== null : r.proxy !== null))
      .map((r) => ({ id: r.id, kind: r.kind as 'audio' | 'video', title: r.title, artist: r.artist, duration: r.duration, status: r.status, broadcast: r.broadcast !== null }));
  }

  /** The channel's live job (one per channel, by idempotency key), whatever its status. */
  liveJob(projectId: string, idempotencyKey: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('project_id', '=', projectId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  }
}
