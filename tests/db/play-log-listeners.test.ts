import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase, type Db } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import type { UserRow } from '$lib/server/db/schema';
import { UserRepository } from '$lib/server/auth/user.repository';
import { ChannelRepository } from '$lib/server/channel/channel.repository';
import { ChannelService } from '$lib/server/channel/channel.service';
import { LiveRepository } from '$lib/server/live/live.repository';
import { PlayLogService } from '$lib/server/live/play-log.service';
import { ProjectRepository } from '$lib/server/project/project.repository';
import { ProjectService } from '$lib/server/project/project.service';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/db';

// The play log's listener counts (0004's `listeners` at an item's start, 0008's `peak_listeners`) on both databases,
// through the real repository and the service the dashboard's API calls.
describe.each(DIALECTS)('play log listeners on %s', (kind) => {
  let database: TestDatabase;
  let db: Db;

  afterEach(async () => {
    await db?.close();
    await database?.drop();
  });

  it('keeps the count at each item start and the peak while it aired, and lists them to members only', async () => {
    database = await createTestDatabase(kind);
    db = openDatabase(database.url);
    await migrateToLatest(db.kysely);
    const k = db.kysely as unknown as Kysely<any>;
    const user = (id: string, username: string) => ({ id, username, email: `${username}@x.test`, display_name: username, color: '#000000', password_hash: 'h', created_at: 1 });
    await k.insertInto('users').values([user('aaaaaaaaaaaaaaaa', 'ann'), user('bbbbbbbbbbbbbbbb', 'bob')]).execute();
    await k.insertInto('projects').values({ id: 'pppppppppppppppp', name: 'P', created_by: 'aaaaaaaaaaaaaaaa', created_at: 1, updated_at: 1 }).execute();
    await k.insertInto('project_members').values({ project_id: 'pppppppppppppppp', user_id: 'aaaaaaaaaaaaaaaa', role: 'viewer', created_at: 1 }).execute();
    const channelId = 'cccccccccccccccc';
    await k.insertInto('channels').values({ id: channelId, project_id: 'pppppppppppppppp', name: 'FM', slug: 'fm', kind: 'audio', visibility: 'public', stream_key_hash: new Uint8Array([1]), stream_key_hint: '••••', created_at: 1, updated_at: 1 }).execute();

    const repo = new LiveRepository(db.kysely);
    // Times past 2^31 ms: bigint columns come back as numbers.
    const t0 = 1_800_000_000_000;
    const play = (id: string, start: number, listeners: number) =>
      repo.insertPlay({ id, channel_id: channelId, asset_id: null, title: `Song ${id}`, artist: 'Band', kind: 'track', started_at: start, ended_at: start + 60_000, plan_item: '{}', listeners });
    expect(await play('l1', t0, 2)).toBe(true);
    expect(await play('l2', t0 + 60_000, 3)).toBe(true);
    // A retried report of the same item is not logged twice, and does not change its count.
    expect(await play('l1-again', t0, 9)).toBe(false);

    // During the second item the count rises to 5, then falls to 1: the peak stays 5; the first item is untouched.
    await repo.raisePeak(channelId, t0 + 70_000, 5);
    await repo.raisePeak(channelId, t0 + 80_000, 1);
    const projects = new ProjectService(new ProjectRepository(db.kysely), new UserRepository(db.kysely));
    const service = new PlayLogService(repo, new ChannelService(new ChannelRepository(db.kysely), projects), projects, () => t0 + 90_000);
    // Through the service's own clock: a count of 4 at t0+90 s is below the peak, a count of 0 records nothing.
    await service.listenersChanged(channelId, 4);
    await service.listenersChanged(channelId, 0);

    const ann = (await k.selectFrom('users').selectAll().where('id', '=', 'aaaaaaaaaaaaaaaa').executeTakeFirstOrThrow()) as UserRow;
    const plays = await service.recent(ann, channelId, 10);
    expect(plays.map((p) => [p.id, p.listeners, p.peakListeners])).toEqual([
      ['l2', 3, 5],
      ['l1', 2, 2]
    ]);
    expect(plays[0]).toMatchObject({ title: 'Song l2', artist: 'Band', kind: 'track', startedAt: t0 + 60_000, endedAt: t0 + 120_000 });
    expect(typeof plays[0]!.startedAt).toBe('number');
    expect(await service.recent(ann, channelId, 1)).toHaveLength(1);

    // Not a member: the channel does not exist for them.
    const bob = (await k.selectFrom('users').selectAll().where('id', '=', 'bbbbbbbbbbbbbbbb').executeTakeFirstOrThrow()) as UserRow;
    await expect(service.recent(bob, channelId, 10)).rejects.toMatchObject({ status: 404 });
  });
});
