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
}

export interface LibraryAssetRow {
  id: string;
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
      await tx.insertInto('play_log').values(row).execute();
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

  /** Approved audio whose loudness-normalised broadcast copy exists: what can go on air. */
  broadcastReady(projectId: string): Promise<LibraryAssetRow[]> {
    return this.db
      .selectFrom('assets')
      .innerJoin('asset_variants', (j) => j.onRef('asset_variants.asset_id', '=', 'assets.id').on('asset_variants.name', '=', 'broadcast'))
      .select(['assets.id', 'assets.title', 'assets.artist', 'assets.duration', 'assets.status'])
      .where('assets.project_id', '=', projectId)
      .where('assets.status', '=', 'approved')
      .where('assets.processing', '=', 'ready')
      .execute();
  }

  /** The channel's live job (one per channel, by idempotency key), whatever its status. */
  liveJob(projectId: string, idempotencyKey: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('project_id', '=', projectId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  }
}
