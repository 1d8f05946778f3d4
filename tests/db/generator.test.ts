import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '$lib/editor/model/ids';
import { itemsOf } from '$lib/editor/model/playlist/normalize';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { MUSIC_GENERATE } from '$lib/generator';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import type { GeneratorChunkRow } from '$lib/server/db/schema';
import { GeneratorRepository } from '$lib/server/generator/generator.repository';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';

// The generator's repository and buffer loop on both databases, through the real composition root; no worker runs,
// so queued jobs stay queued and the chunks are written here as a worker's results would leave them.
describe.each(DIALECTS)('channel generator storage on %s', (kind) => {
  let t: TestApp;
  afterEach(async () => {
    t?.app.generator.stop();
    await t?.close();
  });

  async function setup() {
    t = await createTestApp(kind, { GENERATOR_TICK_SECONDS: '3600' });
    const owner = await makeUser(t.app, 'gen');
    const project = await t.app.projects.create(owner, 'Generator');
    const channel = await t.app.channels.create(owner, project.id, createChannelSchema.parse({ name: 'Loop FM' }));
    return { owner, project, channel, repo: new GeneratorRepository(t.app.db.kysely) };
  }

  it('queues chunks flat out from empty, in rotation order, as music.generate jobs (procedural ones free)', async () => {
    const { owner, channel, repo } = await setup();
    const g = await t.app.generator.update(owner, channel.id, { enabled: true, prompts: ['a', 'b'], rotateSeconds: 120, chunkSeconds: 60, parallel: 3 });
    expect(g.state).toBe('DEPLETED');
    expect(g.generating.map((c) => c.prompt)).toEqual(['a', 'a', 'b']);
    const chunks = await repo.chunks(channel.id);
    expect(chunks.map((c) => [c.seq, c.prompt_index, c.state])).toEqual([
      [1, 0, 'generating'],
      [2, 0, 'generating'],
      [3, 1, 'generating']
    ]);
    const jobs = await t.app.db.kysely.selectFrom('jobs').selectAll().where('type', '=', MUSIC_GENERATE).execute();
    expect(jobs).toHaveLength(3);
    expect(JSON.parse(jobs[0].input!)).toMatchObject({ prompt: 'a', seconds: 60, engine: 'procedural', params: { bpm: 78 } });
    // The procedural generator costs the box little: no credits are charged for its chunks.
    expect(await t.app.db.kysely.selectFrom('credit_entries').selectAll().where('kind', '=', 'charge').execute()).toEqual([]);
    // In flight already: another look at the buffer starts nothing more.
    await t.app.generator.tick(channel.id);
    expect(await repo.chunks(channel.id)).toHaveLength(3);
    // Switching off stops new chunks.
    await t.app.generator.update(owner, channel.id, { enabled: false });
    await repo.updateChunk(chunks[0].id, { state: 'failed' });
    await t.app.generator.tick(channel.id);
    expect(await repo.chunks(channel.id)).toHaveLength(2);
  });

  it('marks chunks aired from the play log and keeps only the last ten aired, in the playlist and the table', async () => {
    const { owner, project, channel, repo } = await setup();
    await t.app.generator.update(owner, channel.id, { enabled: true, prompts: ['a'], chunkSeconds: 60, thresholds: { healthy: 0.1, warning: 0.05, critical: 0.02, emergency: 0.01 } });
    // Replace what the loop queued with fourteen made chunks, each an item of the generated playlist.
    await t.app.db.kysely.deleteFrom('generator_chunks').execute();
    const playlistId = (await repo.find(channel.id))!.playlist_id!;
    const rows: GeneratorChunkRow[] = [];
    // Fourteen library assets (distinct bytes in the store), as the music worker's results add them.
    const assetIds: string[] = [];
    for (let seq = 1; seq <= 14; seq++) {
      const blob = await t.app.storage.putStream(Readable.from([Buffer.from(`chunk ${seq}`)]));
      const a = await t.app.assets.addGenerated({ projectId: project.id, sha256: blob.sha256, bytes: blob.bytes, mime: 'audio/flac', extension: 'flac', title: `Loop FM – generated ${seq}`, description: 'test', engine: 'procedural', duration: 60 });
      assetIds.push(a.id);
    }
    await t.app.docs.edit(project.id, { kind: 'worker', name: 'test' }, (pd) => {
      for (let seq = 1; seq <= 14; seq++) {
        const assetId = assetIds[seq - 1];
        const itemId = `item${String(seq).padStart(2, '0')}`;
        pd.playlists.items.insert({ id: itemId, playlistId, assetId, order: `a${String(seq).padStart(2, '0')}`, prompt: 'a' } as never);
        rows.push({ id: newId(), channel_id: channel.id, seq, prompt_index: 0, prompt: 'a', job_id: null, asset_id: assetId, item_id: itemId, duration: 60, state: 'ready', generation_seconds: 2, created_at: seq });
      }
    });
    for (const r of rows) await repo.insertChunk(r);
    // Twelve aired (the twelfth is the last in the play log); two are ahead of air: 120 s, CRITICAL by these thresholds.
    for (let seq = 1; seq <= 12; seq++) {
      await t.app.db.kysely
        .insertInto('play_log')
        .values({ id: newId(), channel_id: channel.id, asset_id: assetIds[seq - 1], title: 't', artist: '', kind: 'track', started_at: seq * 60_000, ended_at: null, listeners: null, peak_listeners: null, plan_item: null })
        .execute();
    }
    expect(await repo.markAired(channel.id)).toBe(12);
    await t.app.generator.tick(channel.id);
    const left = await repo.chunks(channel.id);
    const made = left.filter((c) => c.asset_id !== null);
    expect(made.map((c) => c.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(made.filter((c) => c.state === 'aired')).toHaveLength(10);
    // The two oldest aired chunks' assets left the library.
    const library = await t.app.db.kysely.selectFrom('assets').select('id').where('id', 'in', assetIds).execute();
    expect(new Set(library.map((a) => a.id))).toEqual(new Set(assetIds.slice(2)));
    const doc = await t.app.docs.copyOf(project.id);
    expect(itemsOf(new ProjectDoc(doc).playlists.snapshot(), playlistId).map((i) => i.id)).toEqual(made.map((c) => c.item_id));
    doc.destroy();
    const status = await t.app.generator.status(owner, channel.id);
    expect(status.hoursBuffered).toBeCloseTo(120 / 3600, 6);
    expect(status.state).toBe('CRITICAL');
    expect(status.prompts[0]).toMatchObject({ ready: 2, aired: 10 });
    expect(status.speed).toBe(30);
    // CRITICAL or lower runs flat out: the default two chunks are in flight.
    expect(status.generating).toHaveLength(2);
  });
});
