import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { userOrigin, SERVER_ORIGIN, type UserOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { applyPlaylistChanges } from '$lib/editor/model/playlist/changes';
import * as pl from '$lib/editor/model/playlist/operations';
import type { PlaylistsSnapshot } from '$lib/editor/model/playlist/snapshot';
import { validatePlaylists } from '$lib/editor/model/playlist/validate';
import { applyScheduleChanges } from '$lib/editor/model/schedule/changes';
import * as sc from '$lib/editor/model/schedule/operations';
import { planPlayout, validatePlan, type PlayoutInput } from '$lib/editor/model/schedule/playout-plan';
import type { ScheduleSnapshot } from '$lib/editor/model/schedule/snapshot';
import { validateSchedule } from '$lib/editor/model/schedule/validate';
import { counterIds } from '../helpers/timeline';
import { Network, startFromFirst, syncAll } from '../helpers/simulated-network';
import { at, song } from '../helpers/station';

/** Marks updates that came over the network, so a peer does not send them on again. */
const ASSETS = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => [id, song(120 + 37 * i)]));
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York'];

interface StationView {
  playlists: PlaylistsSnapshot;
  schedule: ScheduleSnapshot;
}

type Result = { ok: true; changes: unknown[] } | { ok: false; reason: string };

/** One user on their own Y.Doc, editing through the pure operations and the models' `apply`, as the commands do. */
class Peer {
  readonly project: ProjectDoc;
  readonly origin: UserOrigin;
  readonly undo: Y.UndoManager;
  readonly newId: () => string;

  constructor(readonly index: number) {
    const doc = new Y.Doc();
    doc.clientID = 2000 + index; // fixed client ids: a seed replays the same conflict resolution
    this.project = new ProjectDoc(doc);
    this.origin = userOrigin(`station-user-${index}`);
    this.undo = new Y.UndoManager([...this.project.playlists.undoScope, ...this.project.schedule.undoScope], { trackedOrigins: new Set([this.origin]), captureTimeout: 0 });
    this.newId = counterIds(`s${index}n`);
  }

  get doc() {
    return this.project.doc;
  }

  view(): StationView {
    const playlists = this.project.playlists.snapshot();
    return { playlists, schedule: this.project.schedule.snapshot(new Set(playlists.playlists.map((p) => p.id))) };
  }

  /** A playlist edit, written as one transaction; the local view afterwards is what the operation computed. */
  playlists(op: (s: PlaylistsSnapshot) => pl.PlaylistOperationResult, then?: (s: ScheduleSnapshot) => sc.ScheduleOperationResult): Result {
    const before = this.view();
    const r = op(before.playlists);
    if (!r.ok) return r;
    const follow = then?.(before.schedule);
    this.project.transact(this.origin, () => {
      this.project.playlists.apply(r.changes);
      if (follow?.ok) this.project.schedule.apply(follow.changes);
    });
    expect(this.view().playlists).toEqual(applyPlaylistChanges(before.playlists, r.changes));
    return r;
  }

  schedule(op: (s: ScheduleSnapshot, o: sc.ScheduleOperationOptions) => sc.ScheduleOperationResult): Result {
    const before = this.view();
    const r = op(before.schedule, { newId: this.newId, playlists: before.playlists });
    if (!r.ok) return r;
    this.project.transact(this.origin, () => this.project.schedule.apply(r.changes));
    expect(this.view().schedule).toEqual(applyScheduleChanges(before.schedule, r.changes));
    return r;
  }
}


function sound(view: StationView): void {
  const ids = new Set(view.playlists.playlists.map((p) => p.id));
  expect(validatePlaylists(view.playlists)).toEqual([]);
  expect(validateSchedule(view.schedule, ids)).toEqual([]);
}

const planOf = (view: StationView): PlayoutInput => ({
  ...view,
  assets: ASSETS,
  channel: { id: 'ch', crossfadeSeconds: 2, fallbackPlaylistId: view.playlists.playlists[0]?.id ?? null },
  at: at('2026-03-29T00:30:00Z'),
  count: 12
});

/** Every replica holds everything, reads the same station and the same plan, and both are sound. */
function assertConverged(peers: Peer[]): StationView {
  const first = peers[0].view();
  for (const p of peers) {
    expect(p.doc.store.pendingStructs, `peer ${p.index} pending structs`).toBeNull();
    expect(p.view(), `peer ${p.index}`).toEqual(first);
    expect(p.project.playlists.read().dropped).toEqual(peers[0].project.playlists.read().dropped);
  }
  sound(first);
  const input = planOf(first);
  const plan = planPlayout(input);
  expect(validatePlan(plan, input)).toEqual([]);
  for (const p of peers.slice(1)) expect(planPlayout(planOf(p.view()))).toEqual(plan);
  return first;
}

/** Peers starting from the same station (written once by the server, then synced). */
function peers(n: number): Peer[] {
  const all = Array.from({ length: n }, (_, i) => new Peer(i));
  const server = all[0].project;
  const ids = counterIds('base');
  server.transact(SERVER_ORIGIN, () => {
    let s = server.playlists.snapshot();
    for (const args of [{ name: 'Hits' }, { name: 'Chill', playback: 'sequential' as const }, { name: 'IDs', kind: 'jingle' as const }]) {
      const r = pl.createPlaylist(s, args, { newId: ids });
      if (!r.ok) throw new Error(r.reason);
      server.playlists.apply(r.changes);
      s = applyPlaylistChanges(s, r.changes);
    }
    for (const [playlistId, assetIds] of [['base1', ['a', 'b', 'c']], ['base2', ['d', 'e']], ['base3', ['f']]] as const) {
      const r = pl.addPlaylistItems(s, { playlistId, assetIds, assets: ASSETS }, { newId: ids });
      if (!r.ok) throw new Error(r.reason);
      server.playlists.apply(r.changes);
      s = applyPlaylistChanges(s, r.changes);
    }
    const sched = server.schedule.snapshot();
    const block = sc.createBlock(sched, { name: 'Night', startMinute: 60, durationMinutes: 180, timezone: 'Europe/Berlin', startMode: 'hard', playlists: [{ playlistId: 'base2', weight: 1 }, { playlistId: 'base3', weight: 1 }] }, { newId: () => 'night' });
    const rotation = sc.setRotation(sched, { rotation: [{ playlistId: 'base1', weight: 1 }] });
    if (!block.ok || !rotation.ok) throw new Error('fixture');
    server.schedule.apply([...block.changes, ...rotation.changes]);
  });
  startFromFirst(all);
  return all;
}


function concurrently(all: Peer[], ...edits: ((p: Peer) => Result)[]): StationView {
  edits.forEach((edit, i) => {
    const r = edit(all[i]);
    if (!r.ok) expect.fail(`peer ${i} refused: ${r.reason}`);
  });
  syncAll(all);
  return assertConverged(all);
}

const deletePlaylist = (p: Peer, playlistId: string) =>
  p.playlists(
    (s) => pl.deletePlaylist(s, { playlistId }),
    (s) => sc.forgetPlaylist(s, { playlistId })
  );

describe('concurrent conflicting station edits', () => {
  it('items added to a playlist another user deleted are left out, and come back with it on undo', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.playlists((s) => pl.addPlaylistItems(s, { playlistId: 'base2', assetIds: ['a'], assets: ASSETS }, { newId: p.newId })),
      (p) => deletePlaylist(p, 'base2')
    );
    expect(s.playlists.playlists.map((x) => x.id)).toEqual(['base1', 'base3']);
    expect(a.project.playlists.read().dropped.items).toEqual(['s0n1']);
    b.undo.undo();
    syncAll([a, b]);
    expect(assertConverged([a, b]).playlists.items.filter((i) => i.playlistId === 'base2').map((i) => i.assetId)).toEqual(['d', 'e', 'a']);
  });

  it('a show given a playlist another user deleted plays the rest; the link is not shown', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.schedule((s, o) => sc.editBlock(s, { blockId: 'night', playlists: [{ playlistId: 'base1', weight: 2 }, { playlistId: 'base2', weight: 1 }] }, o)),
      (p) => deletePlaylist(p, 'base1')
    );
    expect(s.schedule.blocks[0].playlists).toEqual([{ playlistId: 'base2', weight: 1 }]);
    expect(s.schedule.settings.rotation).toEqual([]);
    expect(a.project.schedule.read(new Set(['base2', 'base3'])).dropped.links).toEqual([{ blockId: 'night', playlistId: 'base1' }]);
  });

  it('two users moving one show end on one placement whole (time and days together)', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.schedule((s, o) => sc.moveBlock(s, { blockId: 'night', startMinute: 22 * 60, dayShift: -1 }, o)),
      (p) => p.schedule((s, o) => sc.moveBlock(s, { blockId: 'night', startMinute: 3 * 60, dayShift: 2 }, o))
    );
    expect([
      { startMinute: 1320, weekdays: [1, 2, 3, 4, 5, 6, 7], dates: [] },
      { startMinute: 180, weekdays: [1, 2, 3, 4, 5, 6, 7], dates: [] }
    ]).toContainEqual(s.schedule.blocks[0].when);
  });

  it('a move and a resize and a rename of one show all land (different fields)', () => {
    const [a, b, c] = peers(3);
    const s = concurrently(
      [a, b, c],
      (p) => p.schedule((s, o) => sc.moveBlock(s, { blockId: 'night', startMinute: 120 }, o)),
      (p) => p.schedule((s, o) => sc.resizeBlock(s, { blockId: 'night', edge: 'end', durationMinutes: 90 }, o)),
      (p) => p.schedule((s, o) => sc.editBlock(s, { blockId: 'night', name: 'Late night', startMode: 'soft' }, o))
    );
    expect(s.schedule.blocks[0]).toMatchObject({ name: 'Late night', startMode: 'soft', durationMinutes: 90, when: { startMinute: 120 } });
  });

  it('two users adding items at one spot keep both, ordered by id; moving into the tie re-keys', () => {
    const all = peers(3);
    const s = concurrently(
      all,
      (p) => p.playlists((s) => pl.addPlaylistItems(s, { playlistId: 'base1', assetIds: ['d'], index: 1, assets: ASSETS }, { newId: p.newId })),
      (p) => p.playlists((s) => pl.addPlaylistItems(s, { playlistId: 'base1', assetIds: ['e'], index: 1, assets: ASSETS }, { newId: p.newId })),
      (p) => p.playlists((s) => pl.addPlaylistItems(s, { playlistId: 'base1', assetIds: ['d'], index: 3, assets: ASSETS }, { newId: p.newId }))
    );
    // The same asset added twice at once stays twice: both users see their add, either can remove one.
    expect(s.playlists.items.filter((i) => i.playlistId === 'base1').map((i) => i.assetId)).toEqual(['a', 'd', 'e', 'b', 'c', 'd']);
    const a = s.playlists.items.find((i) => i.assetId === 'a')!;
    all[0].playlists((s) => pl.movePlaylistItems(s, { itemIds: [a.id], index: 1 }));
    syncAll(all);
    expect(assertConverged(all).playlists.items.filter((i) => i.playlistId === 'base1').map((i) => i.assetId)).toEqual(['d', 'a', 'e', 'b', 'c', 'd']);
  });

  it('rule changes to different fields of one playlist both land; the rotation set twice ends whole', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.playlists((s) => pl.setPlaylistRules(s, { playlistId: 'base3', jingle: { every: 'hour', minute: 0 } })),
      (p) => p.playlists((s) => pl.setPlaylistRules(s, { playlistId: 'base3', playback: 'sequential', noRepeat: 0 }))
    );
    expect(s.playlists.playlists.find((x) => x.id === 'base3')).toMatchObject({ jingle: { every: 'hour', minute: 0 }, playback: 'sequential', noRepeat: 0 });
    const r = concurrently(
      [a, b],
      (p) => p.schedule((s, o) => sc.setRotation(s, { rotation: [{ playlistId: 'base1', weight: 3 }, { playlistId: 'base3', weight: 1 }] }, o)),
      (p) => p.schedule((s, o) => sc.setRotation(s, { rotation: [{ playlistId: 'base2', weight: 1 }] }, o))
    );
    expect([[{ playlistId: 'base1', weight: 3 }, { playlistId: 'base3', weight: 1 }], [{ playlistId: 'base2', weight: 1 }]]).toContainEqual(r.schedule.settings.rotation);
  });
});

type Step =
  | { t: 'edit'; peer: number; action: number; a: number; b: number; c: number; flag: boolean }
  | { t: 'deliver'; from: number; to: number; pick: number }
  | { t: 'flush'; from: number; to: number };

const pick = <T,>(items: readonly T[], n: number): T | undefined => (items.length ? items[n % items.length] : undefined);
const ASSET_IDS = Object.keys(ASSETS);

/** One random gesture chosen from the numbers of a step, made on the peer's current view. */
function randomEdit(p: Peer, { action, a, b, c, flag }: Extract<Step, { t: 'edit' }>): void {
  const { playlists: ps, schedule: ss } = p.view();
  const playlist = pick(ps.playlists, a);
  const item = pick(ps.items, b);
  const block = pick(ss.blocks, c);
  const someWeights = () => ps.playlists.filter((_, i) => (a >> i) & 1).slice(0, 3).map((x, i) => ({ playlistId: x.id, weight: 1 + ((b + i) % 4) }));
  switch (action % 16) {
    case 0:
      p.playlists((s) => pl.createPlaylist(s, { kind: pick(['standard', 'jingle', 'generated'] as const, b), index: c % (s.playlists.length + 1) }, { newId: p.newId }));
      return;
    case 1:
      if (playlist) p.playlists((s) => pl.renamePlaylist(s, { playlistId: playlist.id, name: `Name ${b % 7}` }));
      return;
    case 2:
      if (playlist) {
        const rules: pl.PlaylistRules[] = [
          { kind: pick(['standard', 'jingle', 'generated'] as const, b) },
          { playback: flag ? 'shuffle' : 'sequential' },
          { noRepeat: b % 6 },
          { jingle: flag ? { every: 'hour', minute: b % 60 } : { every: 'songs', songs: 1 + (b % 5) } },
          { prompt: flag ? null : `prompt ${b % 3}` }
        ];
        p.playlists((s) => pl.setPlaylistRules(s, { playlistId: playlist.id, ...pick(rules, c)! }));
      }
      return;
    case 3:
      if (playlist) p.playlists((s) => pl.addPlaylistItems(s, { playlistId: playlist.id, assetIds: [pick(ASSET_IDS, b)!, ...(flag ? [pick(ASSET_IDS, c)!] : [])], index: c % 5, assets: ASSETS }, { newId: p.newId }));
      return;
    case 4:
      if (item) p.playlists((s) => pl.removePlaylistItems(s, { itemIds: [item.id] }));
      return;
    case 5:
      if (item) p.playlists((s) => pl.movePlaylistItems(s, { itemIds: [item.id], index: c % 6 }));
      return;
    case 6:
      if (playlist && c % 3 === 0) deletePlaylist(p, playlist.id);
      return;
    case 7:
      if (playlist) p.playlists((s) => pl.reorderPlaylist(s, { playlistId: playlist.id, index: b % s.playlists.length }));
      return;
    case 8:
      p.schedule((s, o) => sc.createBlock(s, { name: `Show ${a % 5}`, startMinute: (b * 7) % 1440, durationMinutes: 1 + (c % 300), timezone: pick(ZONES, a), startMode: flag ? 'hard' : 'soft', priority: (b % 5) - 2, playlists: someWeights() }, o));
      return;
    case 9:
      if (block) p.schedule((s, o) => sc.moveBlock(s, { blockId: block.id, startMinute: (a % 1600) - 80, dayShift: (b % 3) - 1 }, o));
      return;
    case 10:
      if (block) p.schedule((s, o) => (flag ? sc.resizeBlock(s, { blockId: block.id, edge: 'end', durationMinutes: 1 + (a % 600) }, o) : sc.resizeBlock(s, { blockId: block.id, edge: 'start', startMinute: block.when.startMinute + (a % 120) - 60 }, o)));
      return;
    case 11:
      if (block) {
        const fields: sc.BlockFields[] = [{ name: `Renamed ${a % 4}` }, { playlists: someWeights() }, { weekdays: [1 + (a % 7), 1 + (b % 7)] }, { startMode: flag ? 'hard' : 'soft' }, { priority: (a % 7) - 3 }, { prompt: flag ? `night ${a % 2}` : null }, { timezone: pick(ZONES, a) }, { dates: flag ? ['2026-03-29'] : [] }];
        p.schedule((s, o) => sc.editBlock(s, { blockId: block.id, ...pick(fields, b)! }, o));
      }
      return;
    case 12:
      if (block && a % 2 === 0) p.schedule((s, o) => sc.deleteBlock(s, { blockId: block.id }, o));
      return;
    case 13:
      if (flag) p.schedule((s, o) => sc.setRotation(s, { rotation: someWeights() }, o));
      else p.schedule((s, o) => sc.setScheduleSettings(s, { breakSeconds: a % 6, hardStartFadeSeconds: b % 4, timezone: pick(ZONES, c) }, o));
      return;
    case 14:
      p.undo.undo();
      return;
    case 15:
      p.undo.redo();
      return;
  }
}

function scenario(n: number) {
  const peer = fc.nat(n - 1);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('edit' as const), peer, action: fc.nat(999), a: fc.nat(1e6), b: fc.nat(1e6), c: fc.nat(1e6), flag: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('deliver' as const), from: peer, to: peer, pick: fc.nat(1e6) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('flush' as const), from: peer, to: peer }) }
  );
  return fc.record({ n: fc.constant(n), steps: fc.array(step, { minLength: 10, maxLength: 50, size: 'max' }), rotation: fc.nat(99) });
}

/** Random gestures by every peer, delivered in any order, then everything delivered: all replicas agree and are sound. */
function converges({ n, steps, rotation }: { n: number; steps: Step[]; rotation: number }): void {
  const all = peers(n);
  const net = new Network(all);
  for (const step of steps) {
    if (step.t === 'edit') {
      randomEdit(all[step.peer], step);
      sound(all[step.peer].view());
    } else if (step.t === 'deliver') {
      net.deliver(step.from, step.to, step.pick);
      sound(all[step.to].view());
    } else net.flush(step.from, step.to);
  }
  net.settle(rotation);
  assertConverged(all);
}

const arbitrary = fc.oneof(scenario(2), scenario(3));
const SEEDS = [1, 7, 42, 1337, 2024, 31337];

describe('station convergence under random interleavings (fast-check)', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    fc.assert(fc.property(arbitrary, converges), { seed, numRuns: 12 });
  });

  it('fast-check’s own runs', () => {
    fc.assert(fc.property(arbitrary, converges), { numRuns: 80 });
  });
});
