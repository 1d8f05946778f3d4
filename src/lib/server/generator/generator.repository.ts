import type { Insertable, Kysely } from 'kysely';
import type { ChannelGeneratorRow, ChannelGeneratorTable, Database, GeneratorChunkRow } from '../db/schema';

/** All SQL of channel generators: their settings, their chunks, and which chunks have aired. */
export class GeneratorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  find(channelId: string): Promise<ChannelGeneratorRow | undefined> {
    return this.db.selectFrom('channel_generators').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
  }

  async upsert(row: Insertable<ChannelGeneratorTable>): Promise<void> {
    const { channel_id, ...rest } = row;
    await this.db.insertInto('channel_generators').values(row).onConflict((oc) => oc.column('channel_id').doUpdateSet(rest)).execute();
  }

  async setPlaylist(channelId: string, playlistId: string): Promise<void> {
    await this.db.updateTable('channel_generators').set({ playlist_id: playlistId }).where('channel_id', '=', channelId).execute();
  }

  async setLastError(channelId: string, message: string | null): Promise<void> {
    await this.db.updateTable('channel_generators').set({ last_error: message }).where('channel_id', '=', channelId).execute();
  }

  /** Records the DEPLETED state if it changed; true for the one caller (of any web process) that changed it. */
  async markDepleted(channelId: string, depleted: boolean): Promise<boolean> {
    const r = await this.db
      .updateTable('channel_generators')
      .set({ depleted: depleted ? 1 : 0 })
      .where('channel_id', '=', channelId)
      .where('depleted', '=', depleted ? 0 : 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async pauseUntil(channelId: string, until: number | null): Promise<void> {
    await this.db.updateTable('channel_generators').set({ paused_until: until }).where('channel_id', '=', channelId).execute();
  }

  /** Channel ids with the generator switched on. */
  async enabledChannels(): Promise<string[]> {
    return (await this.db.selectFrom('channel_generators').select('channel_id').where('enabled', '=', 1).execute()).map((r) => r.channel_id);
  }

  /** The channel's chunks (not failed ones), in the order they air. */
  chunks(channelId: string): Promise<GeneratorChunkRow[]> {
    return this.db.selectFrom('generator_chunks').selectAll().where('channel_id', '=', channelId).where('state', '!=', 'failed').orderBy('seq').execute();
  }

  findChunk(id: string): Promise<GeneratorChunkRow | undefined> {
    return this.db.selectFrom('generator_chunks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findChunkByAsset(assetId: string): Promise<GeneratorChunkRow | undefined> {
    return this.db.selectFrom('generator_chunks').selectAll().where('asset_id', '=', assetId).executeTakeFirst();
  }

  async nextSeq(channelId: string): Promise<number> {
    const r = await this.db.selectFrom('generator_chunks').select((eb) => eb.fn.max('seq').as('seq')).where('channel_id', '=', channelId).executeTakeFirst();
    return (r?.seq ?? 0) + 1;
  }

  /** Inserts the chunk unless its seq is taken (another web process started that chunk first); true when inserted. */
  async insertChunk(row: GeneratorChunkRow): Promise<boolean> {
    const r = await this.db.insertInto('generator_chunks').values(row).onConflict((oc) => oc.columns(['channel_id', 'seq']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateChunk(id: string, patch: Partial<Omit<GeneratorChunkRow, 'id' | 'channel_id'>>): Promise<void> {
    await this.db.updateTable('generator_chunks').set(patch).where('id', '=', id).execute();
  }

  async deleteChunks(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('generator_chunks').where('id', 'in', ids).execute();
  }

  /** Ready chunks whose asset is in the channel's play log: they have aired. Returns how many were marked. */
  async markAired(channelId: string): Promise<number> {
    const r = await this.db
      .updateTable('generator_chunks')
      .set({ state: 'aired' })
      .where('channel_id', '=', channelId)
      .where('state', '=', 'ready')
      .where('asset_id', 'in', (eb) => eb.selectFrom('play_log').select('asset_id').where('channel_id', '=', channelId).where('asset_id', 'is not', null).$narrowType<{ asset_id: string }>())
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
