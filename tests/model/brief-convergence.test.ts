import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { userOrigin, SERVER_ORIGIN, type UserOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { applyBriefChanges } from '$lib/editor/model/brief/changes';
import { heroId } from '$lib/editor/model/brief/normalize';
import * as br from '$lib/editor/model/brief/operations';
import { ROOM_TYPES, type BriefAssets, type BriefSnapshot } from '$lib/editor/model/brief/snapshot';
import { validateBrief } from '$lib/editor/model/brief/validate';
import { counterIds } from '../helpers/timeline';
import { startFromFirst, syncAll } from '../helpers/simulated-network';
import { play, scenario, type EditStep, type Scenario } from '../helpers/random-scenario';

const ASSETS: BriefAssets = Object.fromEntries(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].map((id) => [id, { kind: 'image', title: id }]));
const ASSET_IDS = Object.keys(ASSETS);

/** One user on their own Y.Doc, editing through the pure operations and `Brief.apply`, as the commands do. */
class Peer {
  readonly project: ProjectDoc;
  readonly origin: UserOrigin;
  readonly undo: Y.UndoManager;
  readonly newId: () => string;

  constructor(readonly index: number) {
    const doc = new Y.Doc();
    doc.clientID = 3000 + index; // fixed client ids: a seed replays the same conflict resolution
    this.project = new ProjectDoc(doc);
    this.origin = userOrigin(`brief-user-${index}`);
    this.undo = new Y.UndoManager(this.project.brief.undoScope, { trackedOrigins: new Set([this.origin]), captureTimeout: 0 });
    this.newId = counterIds(`b${index}n`);
  }

  get doc() {
    return this.project.doc;
  }

  view(): BriefSnapshot {
    return this.project.brief.snapshot();
  }

  /** A brief edit, written as one transaction; the local view afterwards is what the operation computed. */
  edit(op: (s: BriefSnapshot) => br.BriefOperationResult): br.BriefOperationResult {
    const before = this.view();
    const r = op(before);
    if (!r.ok) return r;
    this.project.transact(this.origin, () => this.project.brief.apply(r.changes));
    expect(this.view()).toEqual(applyBriefChanges(before, r.changes));
    return r;
  }
}

function assertConverged(peers: Peer[]): BriefSnapshot {
  const first = peers[0].view();
  for (const p of peers) {
    expect(p.doc.store.pendingStructs, `peer ${p.index} pending structs`).toBeNull();
    expect(p.view(), `peer ${p.index}`).toEqual(first);
  }
  expect(validateBrief(first)).toEqual([]);
  return first;
}

/** Peers starting from the same brief: four photos and an address, written once by the server, then synced. */
function peers(n: number): Peer[] {
  const all = Array.from({ length: n }, (_, i) => new Peer(i));
  const server = all[0].project;
  server.transact(SERVER_ORIGIN, () => {
    const s = server.brief.snapshot();
    const add = br.addPhotos(s, { assetIds: ['p1', 'p2', 'p3', 'p4'], assets: ASSETS }, { newId: counterIds('base') });
    const listing = br.setListing(s, { patch: { address: '12 Harbour Lane', beds: 3 } });
    if (!add.ok || !listing.ok) throw new Error('fixture');
    server.brief.apply([...add.changes, ...listing.changes]);
  });
  startFromFirst(all);
  return all;
}

function concurrently(all: Peer[], ...edits: ((p: Peer) => br.BriefOperationResult)[]): BriefSnapshot {
  edits.forEach((edit, i) => {
    const r = edit(all[i]);
    if (!r.ok) expect.fail(`peer ${i} refused: ${r.reason}`);
  });
  syncAll(all);
  return assertConverged(all);
}

const assetsOf = (s: BriefSnapshot) => s.photos.map((p) => p.assetId);

describe('concurrent conflicting brief edits', () => {
  it('a person tagging a room and the detector writing at once: the person wins, the detection is kept', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.edit((s) => br.setRoom(s, { photoIds: ['base1'], room: 'kitchen' })),
      (p) => p.edit((s) => br.detectRoom(s, { photoId: 'base1', room: 'bedroom', confidence: 0.82 }))
    );
    expect(s.photos[0].room).toEqual({ person: 'kitchen', detected: { value: 'bedroom', confidence: 0.82 } });
    // Clearing the person's choice shows the detector's again.
    a.edit((s) => br.setRoom(s, { photoIds: ['base1'], room: null }));
    syncAll([a, b]);
    expect(assertConverged([a, b]).photos[0].room.person).toBeNull();
  });

  it('two users making different photos the hero at once end with one hero on every replica, the first in order', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.edit((s) => br.setHero(s, { photoId: 'base3' })),
      (p) => p.edit((s) => br.setHero(s, { photoId: 'base2' }))
    );
    expect(heroId(s)).toBe('base2');
    // The next "make hero" clears both flags.
    a.edit((s) => br.setHero(s, { photoId: 'base4' }));
    syncAll([a, b]);
    const after = assertConverged([a, b]);
    expect(after.photos.filter((p) => p.hero).map((p) => p.id)).toEqual(['base4']);
  });

  it('two users moving photos and editing staging fields of one photo keep every change', () => {
    const [a, b, c] = peers(3);
    const s = concurrently(
      [a, b, c],
      (p) => p.edit((s) => br.movePhotos(s, { photoIds: ['base4'], index: 0 })),
      (p) => p.edit((s) => br.setStaging(s, { photoIds: ['base4'], patch: { removeFurniture: true, notes: 'Empty the room' } })),
      (p) => p.edit((s) => br.setStaging(s, { photoIds: ['base4'], patch: { dayToDusk: true, style: 'Scandinavian' } }))
    );
    expect(assetsOf(s)).toEqual(['p4', 'p1', 'p2', 'p3']);
    expect(s.photos[0].staging).toEqual({ style: 'Scandinavian', removeFurniture: true, dayToDusk: true, skyReplacement: false, notes: 'Empty the room' });
  });

  it('two users moving the same photo end on one place; adds at one spot keep both', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.edit((s) => br.movePhotos(s, { photoIds: ['base1'], index: 3 })),
      (p) => p.edit((s) => br.movePhotos(s, { photoIds: ['base1'], index: 1 }))
    );
    expect([['p2', 'p3', 'p4', 'p1'], ['p2', 'p1', 'p3', 'p4']]).toContainEqual(assetsOf(s));
    const t = concurrently(
      [a, b],
      (p) => p.edit((s) => br.addPhotos(s, { assetIds: ['p5'], index: 1, assets: ASSETS }, { newId: p.newId })),
      (p) => p.edit((s) => br.addPhotos(s, { assetIds: ['p6'], index: 1, assets: ASSETS }, { newId: p.newId }))
    );
    expect(t.photos).toHaveLength(6);
    expect(new Set(assetsOf(t).slice(1, 3))).toEqual(new Set(['p5', 'p6']));
  });

  it('listing fields filled by two users at once both land', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.edit((s) => br.setListing(s, { patch: { price: 850000, branding: { name: 'Dana Reyes' } } })),
      (p) => p.edit((s) => br.setListing(s, { patch: { baths: 2.5, branding: { phone: '+1 555 0100' } } }))
    );
    expect(s.listing).toMatchObject({ address: '12 Harbour Lane', beds: 3, price: 850000, baths: 2.5, branding: { name: 'Dana Reyes', phone: '+1 555 0100' } });
  });

  it('an edit to a photo another user removed is dropped; undoing the removal brings the photo back with it', () => {
    const [a, b] = peers(2);
    const s = concurrently(
      [a, b],
      (p) => p.edit((s) => br.setStatus(s, { photoIds: ['base2'], status: 'done' })),
      (p) => p.edit((s) => br.removePhotos(s, { photoIds: ['base2'] }))
    );
    expect(assetsOf(s)).toEqual(['p1', 'p3', 'p4']);
    b.undo.undo();
    syncAll([a, b]);
    expect(assetsOf(assertConverged([a, b]))).toEqual(['p1', 'p2', 'p3', 'p4']);
  });
});

const pick = <T,>(items: readonly T[], n: number): T | undefined => (items.length ? items[n % items.length] : undefined);

/** One random gesture chosen from the numbers of a step, made on the peer's current view. */
function randomEdit(p: Peer, { action, a, b, c, flag }: EditStep): void {
  const s = p.view();
  const photo = pick(s.photos, a);
  const some = s.photos.filter((_, i) => (b >> i) & 1).map((x) => x.id);
  const ids = some.length ? some : photo ? [photo.id] : [];
  switch (action % 13) {
    case 0:
      p.edit((s) => br.addPhotos(s, { assetIds: [pick(ASSET_IDS, b)!, ...(flag ? [pick(ASSET_IDS, c)!] : [])], index: c % 6, assets: ASSETS }, { newId: p.newId }));
      return;
    case 1:
      if (photo && c % 3 === 0) p.edit((s) => br.removePhotos(s, { photoIds: [photo.id] }));
      return;
    case 2:
      p.edit((s) => br.movePhotos(s, { photoIds: ids, index: c % 6 }));
      return;
    case 3:
      p.edit((s) => br.setRoom(s, { photoIds: ids, room: flag && c % 5 === 0 ? null : pick(ROOM_TYPES, c)! }));
      return;
    case 4:
      if (photo) p.edit((s) => br.detectRoom(s, { photoId: photo.id, room: pick(ROOM_TYPES, b)!, confidence: (c % 101) / 100 }));
      return;
    case 5:
      p.edit((s) => br.setSetting(s, { photoIds: ids, setting: flag ? 'interior' : c % 2 ? 'exterior' : null }));
      return;
    case 6:
      p.edit((s) => br.setHero(s, { photoId: flag || !photo ? (photo?.id ?? null) : null }));
      return;
    case 7:
      p.edit((s) => br.setIncludeInVideo(s, { photoIds: ids, include: flag }));
      return;
    case 8: {
      const patches = [{ removeFurniture: flag }, { dayToDusk: flag }, { skyReplacement: flag }, { notes: `note ${c % 4}` }, { style: flag ? `Style ${c % 3}` : null }];
      p.edit((s) => br.setStaging(s, { photoIds: ids, patch: pick(patches, c)! }));
      return;
    }
    case 9:
      p.edit((s) => br.setStatus(s, { photoIds: ids, status: pick(['todo', 'in-progress', 'done'] as const, c)! }));
      return;
    case 10: {
      const patches = [{ address: `${c % 90} Main St` }, { price: flag ? null : c * 10 }, { beds: c % 8 }, { baths: (c % 9) / 2 }, { branding: { name: `Agent ${c % 3}` } }, { mlsUnbranded: flag }];
      p.edit((s) => br.setListing(s, { patch: pick(patches, b)! }));
      return;
    }
    case 11:
      p.undo.undo();
      return;
    case 12:
      p.undo.redo();
      return;
  }
}

/** Random gestures by every peer, delivered in any order, then everything delivered: all replicas agree and are sound. */
function converges(sc: Scenario): void {
  const all = peers(sc.n);
  play(all, sc, randomEdit, (p) => expect(validateBrief(p.view())).toEqual([]));
  const s = assertConverged(all);
  // Every replica shows the same single hero.
  for (const p of all) expect(heroId(p.view())).toBe(heroId(s));
}

const arbitrary = fc.oneof(scenario(2), scenario(3));
const SEEDS = [1, 7, 42, 1337, 2024, 31337];

describe('brief convergence under random interleavings (fast-check)', () => {
  it.each(SEEDS)('seed %i', (seed) => {
    fc.assert(fc.property(arbitrary, converges), { seed, numRuns: 12 });
  });

  it('fast-check’s own runs', () => {
    fc.assert(fc.property(arbitrary, converges), { numRuns: 80 });
  });
});
