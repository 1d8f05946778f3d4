import type { Kysely, Updateable } from 'kysely';
import type { Database, PodcastEpisodeRow, PodcastEpisodeTable, PodcastRow, PodcastTable } from '../db/schema';

/** All SQL of podcasts: the podcasts, their episodes, and the play log read for chapters. */
export class PodcastRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: PodcastRow): Promise<void> {
    await this.db.insertInto('podcasts').values(row).execute();
  }

  findById(id: string): Promise<PodcastRow | undefined> {
    return this.db.selectFrom('podcasts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<PodcastRow | undefined> {
    return this.db.selectFrom('podcasts').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  listByChannel(channelId: string): Promise<PodcastRow[]> {
    return this.db.selectFrom('podcasts').selectAll().where('channel_id', '=', channelId).orderBy('created_at', 'asc').orderBy('id').execute();
  }

  async update(id: string, patch: Updateable<PodcastTable>): Promise<void> {
    await this.db.updateTable('podcasts').set(patch).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('podcasts').where('id', '=', id).execute();
  }

  async createEpisode(row: PodcastEpisodeRow): Promise<void> {
    await this.db.insertInto('podcast_episodes').values(row).execute();
  }

  findEpisode(podcastId: string, id: string): Promise<PodcastEpisodeRow | undefined> {
    return this.db.selectFrom('podcast_episodes').selectAll().where('podcast_id', '=', podcastId).where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `visibleAt` keeps only published episodes whose publish date has come. */
  episodes(podcastId: string, visibleAt?: number): Promise<PodcastEpisodeRow[]> {
    let q = this.db.selectFrom('podcast_episodes').selectAll().where('podcast_id', '=', podcastId);
    if (visibleAt !== undefined) q = q.where('published', '=', 1).where('publish_at', '<=', visibleAt);
    return q.orderBy('publish_at', 'desc').orderBy('id').execute();
  }

  async updateEpisode(id: string, patch: Updateable<PodcastEpisodeTable>): Promise<void> {
    await this.db.updateTable('podcast_episodes').set(patch).where('id', '=', id).execute();
  }

  async deleteEpisode(id: string): Promise<void> {
    await this.db.deleteFrom('podcast_episodes').where('id', '=', id).execute();
  }

  /** What aired on the channel overlapping [start, end), oldest first. */
  playsBetween(channelId: string, start: number, end: number) {
    return this.db
      .selectFrom('play_log')
      .select(['title', 'artist', 'started_at', 'ended_at'])
      .where('channel_id', '=', channelId)
      .where('started_at', '<', end)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', start)]))
      .orderBy('started_at', 'asc')
      .limit(2000)
      .execute();
  }
}
