import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '$lib/editor/model/ids';
import { itemsOf } from '$lib/editor/model/playlist/normalize';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { MUSIC_GENERATE } from '$lib/generator';
import { createChannelSchema } from '$lib/server/channel/channel.schema';
import type { GeneratorChunkRow } from '$lib/server/db/schema';
import { GeneratorRepository } from '$lib/server/generator/generator.repository';
import type { GeneratorEvent } from '$lib/server/generator/generator.service';
import { generatorAlert } from '$lib/station/channel-dashboard.svelte';
import { createTestApp, makeUser, type TestApp } from '../helpers/app';
import { DIALECTS } from '../helpers/db';
import { waitFor } from '../helpers/yclient';

// The generator's repository and buffer loop on both databases, through the real composition root; no worker runs,
// so queued jobs stay queued and the chunks are written here as a worker's results would leave them.
describe.each(DIALECTS)('channel generator storage on %s', (kind) => {
  let t: TestApp;
  let receiver: http.Server | undefined;
  afterEach(async () => {
    t?.app.generator.stop();
    t?.app.webhooks.stop();
    await t?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(null)));
    receiver = undefined;
  });

  async function setup(env: Record<string, string> = {}) {
    t = await createTestApp(kind, { GENERATOR_TICK_SECONDS: '3600', ...env });
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

  it('raises generator.depleted once as the buffer falls under DEPLETED and generator.recovered as it leaves (or the generator is switched off)', async () => {
    // A webhook receiver on loopback in this process (private targets allowed for it; deliveries polled every 50 ms).
    const received: { event: string; data: Record<string, unknown>; channel: { id: string } }[] = [];
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    const { owner, project, channel, repo } = await setup({ WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_BACKOFF_BASE_MS: '50' });
    await t.app.webhooks.create(owner, project.id, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, events: ['generator.depleted', 'generator.recovered'], channelId: null, enabled: true });
    const buffers: Extract<GeneratorEvent, { type: 'buffer' }>['buffer'][] = [];
    t.app.generator.onEvent((e) => e.type === 'buffer' && buffers.push(e.buffer));
    const events = () => received.map((r) => `${r.event}:${r.data.reason}`);
    const settled = async (n: number) => {
      await waitFor(() => received.length >= n, `${n} webhook deliveries`, 15_000);
      // Nothing more arrives from that transition (each goes out once).
      await t.app.generator.tick(channel.id);
      await t.app.generator.tick(channel.id);
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(n);
    };

    // Switched on with nothing made: under 36 s ahead by these thresholds is DEPLETED.
    const thresholds = { healthy: 0.1, warning: 0.05, critical: 0.02, emergency: 0.01 };
    await t.app.generator.update(owner, channel.id, { enabled: true, prompts: ['a'], chunkSeconds: 60, parallel: 2, thresholds });
    await settled(1);
    expect(received[0]).toMatchObject({ event: 'generator.depleted', channel: { id: channel.id }, data: { state: 'DEPLETED', hoursBuffered: 0, depletedBelowHours: 0.01, reason: 'buffer' } });
    expect(buffers.at(-1)).toEqual({ enabled: true, state: 'DEPLETED', hoursBuffered: 0, depletedBelowHours: 0.01 });
    // The dashboard's alert strip says it in plain words.
    expect(generatorAlert(buffers.at(-1)!)?.text).toBe(
      'Generated music buffer depleted: 0 h ahead (under 0.01 h); when it runs out the air falls back to the rest of the rotation, the fallback playlist, then the station ID.'
    );

    // The two chunks in flight are made: 120 s ahead is CRITICAL, out of DEPLETED.
    const chunks = await repo.chunks(channel.id);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) await repo.updateChunk(c.id, { state: 'ready' });
    await t.app.generator.tick(channel.id);
    await settled(2);
    expect(received[1]).toMatchObject({ event: 'generator.recovered', data: { state: 'CRITICAL', hoursBuffered: 120 / 3600, reason: 'buffer' } });
    expect(buffers.at(-1)).toMatchObject({ state: 'CRITICAL' });
    expect(generatorAlert(buffers.at(-1)!)).toBeNull();

    // Both aired: DEPLETED again, announced again.
    for (const c of chunks) await repo.updateChunk(c.id, { state: 'aired' });
    await t.app.generator.tick(channel.id);
    await settled(3);
    expect(received[2]).toMatchObject({ event: 'generator.depleted', data: { state: 'DEPLETED', hoursBuffered: 0 } });

    // Switched off while depleted: the channel no longer waits on it.
    await t.app.generator.update(owner, channel.id, { enabled: false });
    await settled(4);
    expect(events()).toEqual(['generator.depleted:buffer', 'generator.recovered:buffer', 'generator.depleted:buffer', 'generator.recovered:disabled']);
    expect(buffers.at(-1)).toMatchObject({ enabled: false });
    expect(generatorAlert(buffers.at(-1)!)).toBeNull();
  });
});
