import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { userOrigin, SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import * as br from '$lib/editor/model/brief/operations';
import * as st from '$lib/editor/model/brief/staging-operations';
import { placementSchema } from '$lib/editor/model/brief/placement';
import type { CommandContext } from '$lib/editor/commands/command';
import { runGesture } from '$lib/editor/commands/operation-command';
import { undo } from '$lib/editor/commands/undo';
import { runCommand } from '$lib/editor/commands/command';
import { addPlacementCommand } from '$lib/editor/commands/staging/add-placement';
import { movePlacementCommand } from '$lib/editor/commands/staging/move-placement';
import { scalePlacementCommand } from '$lib/editor/commands/staging/scale-placement';
import { rotatePlacementCommand } from '$lib/editor/commands/staging/rotate-placement';
import { flipPlacementCommand } from '$lib/editor/commands/staging/flip-placement';
import { setShadowCommand } from '$lib/editor/commands/staging/set-shadow';
import { setPerspectiveCommand } from '$lib/editor/commands/staging/set-perspective';
import { removePlacementsCommand } from '$lib/editor/commands/staging/remove-placements';
import { reorderPlacementCommand } from '$lib/editor/commands/staging/reorder-placement';
import { counterIds } from '../helpers/timeline';
import { Network, startFromFirst, syncAll } from '../helpers/simulated-network';

/** One user on their own replica, with their own undo stack over the brief (placements included). */
function peer(index: number) {
  const doc = new Y.Doc();
  doc.clientID = 7000 + index;
  const project = new ProjectDoc(doc);
  const origin = userOrigin(`stager-${index}`);
  const undoManager = new Y.UndoManager(project.brief.undoScope, { trackedOrigins: new Set([origin]), captureTimeout: 0 });
  const ctx: CommandContext = { project, origin, role: 'editor', user: { id: `stager-${index}`, name: `Stager ${index}` }, undoManager };
  return { index, doc, project, ctx };
}

/** Peers sharing a brief with one photo and two cut-outs on it (written by the server, then synced). */
function board(n: number) {
  const peers = Array.from({ length: n }, (_, i) => peer(i));
  const server = peers[0].project;
  server.transact(SERVER_ORIGIN, () => {
    const add = br.addPhotos(server.brief.snapshot(), { assetIds: ['room'], assets: { room: { kind: 'image' } } }, { newId: () => 'photo1' });
    if (!add.ok) throw new Error(add.reason);
    server.brief.apply(add.changes);
  });
  const ids = counterIds('pl');
  for (const asset of ['sofa', 'lamp']) {
    server.transact(SERVER_ORIGIN, () => {
      const r = st.addPlacement(server.brief.staging(), { photoId: 'photo1', cutoutId: asset }, { newId: ids });
      if (!r.ok) throw new Error(r.reason);
      server.brief.applyStaging(r.changes);
    });
  }
  startFromFirst(peers);
  return peers;
}

const view = (p: { project: ProjectDoc }) => p.project.brief.staging();
const placement = (p: { project: ProjectDoc }, id: string) => view(p).placements.find((q) => q.id === id)!;

function converged(peers: ReturnType<typeof board>) {
  const first = view(peers[0]);
  for (const p of peers) expect(view(p), `peer ${p.index}`).toEqual(first);
  for (const q of first.placements) expect(placementSchema.safeParse(q).success).toBe(true);
  return first;
}

describe('staging board operations', () => {
  it('places on top, refuses a photo not in the brief, keeps geometry within limits', () => {
    const [a] = board(1);
    const s = view(a);
    expect(s.placements.map((p) => p.cutoutId)).toEqual(['sofa', 'lamp']);
    expect(st.addPlacement(s, { photoId: 'nope', cutoutId: 'x' })).toEqual({ ok: false, reason: 'That photo is no longer in the brief.' });
    expect(st.movePlacement(s, { id: 'gone', dx: 0.1 })).toEqual({ ok: false, reason: 'That cut-out is no longer on the board.' });
    const far = st.movePlacement(s, { id: 'pl1', x: 3 });
    expect(far.ok).toBe(false);
    const huge = st.scalePlacement(s, { id: 'pl1', factor: 100 });
    expect(huge.ok && huge.changes[0]).toMatchObject({ patch: { width: 2 } });
    const spun = st.rotatePlacement(s, { id: 'pl1', by: 270 });
    expect(spun.ok && spun.changes[0]).toMatchObject({ patch: { rotation: -90 } });
    const bad = st.setPerspective(s, { id: 'pl1', corners: { topLeft: { x: 0.9, y: 0 } } });
    expect(bad).toEqual({ ok: false, reason: 'A corner offset is -0.5 to 0.5.' });
  });

  it('reorders within its photo: forward, back, front', () => {
    const [a] = board(1);
    const order = () => view(a).placements.map((p) => p.id);
    expect(runGesture(reorderPlacementCommand, a.ctx, { id: 'pl1', to: 'forward' })).toBeNull();
    expect(order()).toEqual(['pl2', 'pl1']);
    expect(runGesture(reorderPlacementCommand, a.ctx, { id: 'pl1', to: 'back' })).toBeNull();
    expect(order()).toEqual(['pl1', 'pl2']);
    expect(runGesture(reorderPlacementCommand, a.ctx, { id: 'pl1', to: 'backward' })).toBeNull();
    expect(order()).toEqual(['pl1', 'pl2']);
  });

  it('viewers are refused', () => {
    const [a] = board(1);
    expect(runGesture(flipPlacementCommand, { ...a.ctx, role: 'viewer' }, { id: 'pl1' })).toBe('Viewers cannot change the staging board.');
    expect(placement(a, 'pl1').flip).toBe(false);
  });
});

describe('staging board co-editing', () => {
  it('concurrent edits to different fields of one cut-out all survive, on every replica', () => {
    const peers = board(3);
    const [a, b, c] = peers;
    const net = new Network(peers);
    expect(runGesture(movePlacementCommand, a.ctx, { id: 'pl1', x: 0.25, y: 0.7 })).toBeNull();
    expect(runGesture(setShadowCommand, b.ctx, { id: 'pl1', patch: { blur: 0.03 } })).toBeNull();
    expect(runGesture(setShadowCommand, c.ctx, { id: 'pl1', patch: { opacity: 0.8 } })).toBeNull();
    expect(runGesture(flipPlacementCommand, b.ctx, { id: 'pl1' })).toBeNull();
    expect(runGesture(setPerspectiveCommand, c.ctx, { id: 'pl2', corners: { topLeft: { x: 0.1, y: 0.05 } } })).toBeNull();
    expect(runGesture(rotatePlacementCommand, a.ctx, { id: 'pl2', rotation: 15 })).toBeNull();
    // Out-of-order delivery on every link, then a full exchange.
    for (let round = 0; round < 6; round++) for (const from of peers) for (const to of peers) net.deliver(from.index, to.index, round * 7 + 3);
    syncAll(peers);
    const s = converged(peers);
    const pl1 = s.placements.find((p) => p.id === 'pl1')!;
    expect(pl1).toMatchObject({ x: 0.25, y: 0.7, flip: true, shadow: { blur: 0.03, opacity: 0.8 } });
    const pl2 = s.placements.find((p) => p.id === 'pl2')!;
    expect(pl2.rotation).toBe(15);
    expect(pl2.perspective.topLeft).toEqual({ x: 0.1, y: 0.05 });
  });

  it('a move racing a removal converges (the cut-out is gone everywhere), and concurrent reorders stay a total order', () => {
    const peers = board(2);
    const [a, b] = peers;
    expect(runGesture(removePlacementsCommand, a.ctx, { ids: ['pl1'] })).toBeNull();
    expect(runGesture(movePlacementCommand, b.ctx, { id: 'pl1', dx: 0.01 })).toBeNull();
    syncAll(peers);
    expect(converged(peers).placements.map((p) => p.id)).toEqual(['pl2']);

    const more = board(2);
    expect(runGesture(reorderPlacementCommand, more[0].ctx, { id: 'pl1', to: 'front' })).toBeNull();
    expect(runGesture(addPlacementCommand, more[1].ctx, { photoId: 'photo1', cutoutId: 'rug' })).toBeNull();
    syncAll(more);
    const s = converged(more);
    // Both picked the key above pl2 offline: equal keys, broken by id the same way on every replica.
    expect(s.placements[0].id).toBe('pl2');
    expect(s.placements.slice(1).map((p) => p.cutoutId).sort()).toEqual(['rug', 'sofa']);
  });

  it('undo is per user: each undoes only their own gesture', () => {
    const peers = board(2);
    const [a, b] = peers;
    expect(runGesture(scalePlacementCommand, a.ctx, { id: 'pl1', width: 0.5 })).toBeNull();
    syncAll(peers);
    expect(runGesture(movePlacementCommand, b.ctx, { id: 'pl1', dx: 0.1 })).toBeNull();
    expect(runGesture(addPlacementCommand, b.ctx, { photoId: 'photo1', cutoutId: 'plant' })).toBeNull();
    syncAll(peers);
    expect(view(a).placements).toHaveLength(3);
    expect(runCommand(undo, a.ctx, undefined)).toBe(true);
    syncAll(peers);
    const s = converged(peers);
    const pl1 = s.placements.find((p) => p.id === 'pl1')!;
    expect(pl1.width).toBe(0.3); // a's scale undone
    expect(pl1.x).toBeCloseTo(0.6, 10); // b's move kept
    expect(s.placements).toHaveLength(3); // b's cut-out kept
    expect(runCommand(undo, b.ctx, undefined)).toBe(true);
    syncAll(peers);
    expect(converged(peers).placements).toHaveLength(2);
  });

  it('a photo removed from the brief takes its board out of the view; undo brings both back', () => {
    const [a] = board(1);
    a.project.transact(a.ctx.origin, () => {
      const r = br.removePhotos(a.project.brief.snapshot(), { photoIds: ['photo1'] });
      if (!r.ok) throw new Error(r.reason);
      a.project.brief.apply(r.changes);
    });
    expect(view(a).placements).toEqual([]);
    a.ctx.undoManager!.undo();
    expect(view(a).placements.map((p) => p.id)).toEqual(['pl1', 'pl2']);
  });
});
