import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Db } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { migrations } from '../../migrations/index';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';

describe.each(DIALECTS)('0004_channels_chat on %s', (kind) => {
  let database: TestDatabase;
  let db: Db;

  afterEach(async () => {
    await db?.close();
    await database?.drop();
  });

  it('creates channels, chat and play log with unique slugs, valid kinds and cascading deletes; down undoes it', async () => {
    database = await createTestDatabase(kind);
    db = openDatabase(database.url);
    await migrateToLatest(db.kysely);
    const k = db.kysely as unknown as Kysely<any>;
    await k.insertInto('users').values({ id: 'u1', username: 'ann', email: 'ann@x.test', display_name: 'Ann', color: '#000000', password_hash: 'h', created_at: 1 }).execute();
    await k.insertInto('projects').values({ id: 'p1', name: 'P', created_by: 'u1', created_at: 1, updated_at: 1 }).execute();
    const channel = { id: 'c1', project_id: 'p1', name: 'FM', slug: 'night-fm', kind: 'audio', visibility: 'public', stream_key_hash: new Uint8Array([1, 2]), stream_key_hint: '••••', created_at: 1, updated_at: 1 };
    await k.insertInto('channels').values(channel).execute();
    const row = await k.selectFrom('channels').selectAll().where('id', '=', 'c1').executeTakeFirstOrThrow();
    // Defaults the service relies on.
    expect(row).toMatchObject({ crossfade_seconds: 2, loudness_target: -16, chat_enabled: 1, slow_mode_seconds: 0, recording_retention_days: 7, outputs: '{}' });
    await expect(k.insertInto('channels').values({ ...channel, id: 'c2' }).execute()).rejects.toThrow(/unique|duplicate/i);
    await expect(k.insertInto('channels').values({ ...channel, id: 'c3', slug: 'other', kind: 'podcast' }).execute()).rejects.toThrow();
    await k.insertInto('chat_messages').values({ id: 'm1', channel_id: 'c1', guest_id: 'g', ip_hash: 'h', name: 'Lou', role: 'guest', body: '<b>hi</b>', created_at: 1 }).execute();
    await expect(k.insertInto('chat_messages').values({ id: 'm2', channel_id: 'c1', ip_hash: 'h', name: 'X', role: 'admin', body: 'x', created_at: 1 }).execute()).rejects.toThrow();
    await k.insertInto('chat_bans').values({ id: 'b1', channel_id: 'c1', kind: 'ban', guest_id: 'g', ip_hash: 'h', created_at: 1 }).execute();
    await k.insertInto('play_log').values({ id: 'l1', channel_id: 'c1', title: 'Song', kind: 'track', started_at: 1 }).execute();
    expect((await k.selectFrom('chat_messages').select('body').executeTakeFirstOrThrow()).body).toBe('<b>hi</b>');

    await k.deleteFrom('projects').where('id', '=', 'p1').execute();
    for (const t of ['channels', 'chat_messages', 'chat_bans', 'play_log']) {
      const n = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(k);
      expect(Number(n.rows[0]!.n), t).toBe(0);
    }

    // Later migrations build on these tables: undo them first, newest first.
    for (const name of Object.keys(migrations).sort().reverse().filter((n) => n > '0004_channels_chat')) await migrations[name]!.down!(k);
    await migrations['0004_channels_chat']!.down!(k);
    const tables = (await k.introspection.getTables()).map((t) => t.name);
    for (const t of ['channels', 'chat_messages', 'chat_bans', 'play_log']) expect(tables).not.toContain(t);
    expect(tables).toContain('assets');
  });
});
