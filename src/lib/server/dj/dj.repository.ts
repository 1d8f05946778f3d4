import type { Kysely } from 'kysely';
import type { ChannelDjRow, Database, DjIntroRow } from '../db/schema';

/** All SQL about the AutoDJ: personas per channel and the intros they write. */
export class DjRepository {
  constructor(private readonly db: Kysely<Database>) {}

  persona(channelId: string): Promise<ChannelDjRow | undefined> {
    return this.db.selectFrom('channel_dj').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
  }

  async savePersona(row: ChannelDjRow): Promise<void> {
    const { channel_id: _id, ...rest } = row;
    await this.db
      .insertInto('channel_dj')
      .values(row)
      .onConflict((oc) => oc.column('channel_id').doUpdateSet(rest))
      .execute();
  }

  /** Channels whose DJ is on: the scheduler's round. */
  enabledChannelIds(): Promise<string[]> {
    return this.db
      .selectFrom('channel_dj')
      .select('channel_id')
      .where('enabled', '=', 1)
      .execute()
      .then((rows) => rows.map((r) => r.channel_id));
  }

  /** Inserts the intro unless its plan item has one; true when inserted. */
  async insertIntro(row: DjIntroRow): Promise<boolean> {
    const r = await this.db
      .insertInto('dj_intros')
      .values(row)
      .onConflict((oc) => oc.columns(['channel_id', 'item_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  intro(id: string): Promise<DjIntroRow | undefined> {
    return this.db.selectFrom('dj_intros').selectAll().where('id', '=', id).executeTakeFirst();
  }

  introsBetween(channelId: string, from: number, to: number, limit = 200): Promise<DjIntroRow[]> {
    return this.db
      .selectFrom('dj_intros')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('planned_start', '>=', from)
      .where('planned_start', '<', to)
      .orderBy('planned_start', 'asc')
      .limit(limit)
      .execute();
  }

  introsFor(channelId: string, itemKeys: string[]): Promise<DjIntroRow[]> {
    if (itemKeys.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('dj_intros').selectAll().where('channel_id', '=', channelId).where('item_key', 'in', itemKeys).execute();
  }

  /** The latest intro before `before` (the every-N count and "never the same line twice" start from it). */
  lastIntroBefore(channelId: string, before: number): Promise<DjIntroRow | undefined> {
    return this.db
      .selectFrom('dj_intros')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('planned_start', '<', before)
      .orderBy('planned_start', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Recent lines of the channel, newest first: the worker avoids repeating them. */
  recentTexts(channelId: string, limit: number): Promise<string[]> {
    return this.db
      .selectFrom('dj_intros')
      .select('text')
      .where('channel_id', '=', channelId)
      .where('text', '!=', '')
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute()
      .then((rows) => rows.map((r) => r.text));
  }

  async updateIntro(id: string, changes: Partial<Omit<DjIntroRow, 'id' | 'channel_id'>>): Promise<void> {
    await this.db.updateTable('dj_intros').set(changes).where('id', '=', id).execute();
  }

  /** Whether something of the plan is on air at `at` per the play log: until then the plan's times are not anchored. */
  async airingAt(channelId: string, at: number): Promise<boolean> {
    const r = await this.db.selectFrom('play_log').select('id').where('channel_id', '=', channelId).where('started_at', '<=', at).where('ended_at', '>', at).limit(1).executeTakeFirst();
    return Boolean(r);
  }

  /** Drops the not-yet-aired intros in [from, to] whose plan item is no longer planned (the plan was edited). */
  async dropUnplanned(channelId: string, from: number, to: number, planned: string[]): Promise<number> {
    let q = this.db.deleteFrom('dj_intros').where('channel_id', '=', channelId).where('planned_start', '>=', from).where('planned_start', '<=', to);
    if (planned.length) q = q.where('item_key', 'not in', planned);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  /** Tracks aired on the channel after `since` (for every-N: how many since the last intro). */
  async tracksAiredSince(channelId: string, since: number, before: number): Promise<number> {
    const r = await this.db
      .selectFrom('play_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('channel_id', '=', channelId)
      .where('started_at', '>', since)
      .where('started_at', '<', before)
      .where('kind', 'in', ['track', 'request', 'fallback'])
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
