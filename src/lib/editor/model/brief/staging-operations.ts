/**
 * Staging-board edits as pure functions: the board's snapshot and a gesture in, the placement changes that make it
 * (for `Brief.applyStaging`) or a reason a user can read. Nothing here touches Yjs.
 */
import { compareOrder, keyBetween, orderKeysAt } from '../order';
import { changedRecord, changeId, type RecordChange } from '../record-change';
import { newBriefId } from './ids';
import { CORNERS, MAX_WIDTH, MIN_WIDTH, newPlacement, normalizeAngle, placementSchema, type PlacementCorners, type PlacementShadow, type StagingPlacement } from './placement';

export type StagingChange = RecordChange<'placement', StagingPlacement>;

/** What the board sees: the brief's photo ids and every placement on them, in stacking order (bottom first). */
export interface StagingSnapshot {
  photoIds: string[];
  placements: StagingPlacement[];
}

export type StagingOperationResult = { ok: true; changes: StagingChange[]; created: string[] } | { ok: false; reason: string };

const refuse = (reason: string): StagingOperationResult => ({ ok: false, reason });
const done = (): StagingOperationResult => ({ ok: true, changes: [], created: [] });
const GONE = 'That cut-out is no longer on the board.';
const NO_PHOTO = 'That photo is no longer in the brief.';

/** The placements after the changes, in stacking order (pure). */
export function applyStagingChanges(s: StagingSnapshot, changes: readonly StagingChange[]): StagingSnapshot {
  const byId = new Map(s.placements.map((p) => [p.id, p]));
  for (const change of changes) {
    const next = changedRecord(byId.get(changeId(change)), change);
    if (next) byId.set(changeId(change), next);
    else byId.delete(changeId(change));
  }
  return { photoIds: s.photoIds, placements: [...byId.values()].sort(compareOrder) };
}

/** The placements on one photo, bottom first. */
export const placementsOn = (s: StagingSnapshot, photoId: string): StagingPlacement[] => s.placements.filter((p) => p.photoId === photoId);

function commit(s: StagingSnapshot, changes: StagingChange[], created: string[] = []): StagingOperationResult {
  if (changes.length === 0) return done();
  const next = applyStagingChanges(s, changes);
  for (const c of changes) {
    if (c.op === 'delete') continue;
    const r = placementSchema.safeParse(next.placements.find((p) => p.id === changeId(c)));
    if (!r.success) return refuse(r.error.issues[0].message);
  }
  return { ok: true, changes, created };
}

function one(s: StagingSnapshot, id: string, patch: (p: StagingPlacement) => Partial<Omit<StagingPlacement, 'id'>> | null): StagingOperationResult {
  const p = s.placements.find((q) => q.id === id);
  if (!p) return refuse(GONE);
  const next = patch(p);
  return next ? commit(s, [{ op: 'update', kind: 'placement', id, patch: next }]) : done();
}

/** A cut-out onto a photo, on top of the others; centre and width in fractions of the photo. */
export function addPlacement(
  s: StagingSnapshot,
  args: { photoId: string; cutoutId: string; x?: number; y?: number; width?: number },
  opts: { newId?: () => string } = {}
): StagingOperationResult {
  if (!s.photoIds.includes(args.photoId)) return refuse(NO_PHOTO);
  const on = placementsOn(s, args.photoId);
  const top = on.at(-1)?.order ?? null;
  let order: string;
  try {
    order = keyBetween(top, null);
  } catch {
    order = keyBetween(null, null);
  }
  const record = newPlacement({ ...args, order, id: (opts.newId ?? newBriefId)() });
  return commit(s, [{ op: 'insert', kind: 'placement', record }], [record.id]);
}

/** Drag (absolute centre) or arrow-key nudge (`dx`, `dy`). */
export function movePlacement(s: StagingSnapshot, args: { id: string; x?: number; y?: number; dx?: number; dy?: number }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const x = round((args.x ?? p.x) + (args.dx ?? 0));
    const y = round((args.y ?? p.y) + (args.dy ?? 0));
    return x === p.x && y === p.y ? null : { x, y };
  });
}

/** Width as a fraction of the photo's (absolute), or times `factor`; kept within the limits rather than refused. */
export function scalePlacement(s: StagingSnapshot, args: { id: string; width?: number; factor?: number }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const width = round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, (args.width ?? p.width) * (args.factor ?? 1))));
    return width === p.width ? null : { width };
  });
}

export function rotatePlacement(s: StagingSnapshot, args: { id: string; rotation?: number; by?: number }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const rotation = normalizeAngle(round((args.rotation ?? p.rotation) + (args.by ?? 0), 100));
    return rotation === p.rotation ? null : { rotation };
  });
}

/** Mirrors left to right (H); `flip` sets it, else it toggles. */
export function flipPlacement(s: StagingSnapshot, args: { id: string; flip?: boolean }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const flip = args.flip ?? !p.flip;
    return flip === p.flip ? null : { flip };
  });
}

/** Only the shadow fields named change, so two people tuning different ones both keep theirs. */
export function setShadow(s: StagingSnapshot, args: { id: string; patch: Partial<PlacementShadow> }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const changed = Object.entries(args.patch).filter(([k, v]) => v !== undefined && p.shadow[k as keyof PlacementShadow] !== v);
    return changed.length ? { shadow: { ...p.shadow, ...Object.fromEntries(changed) } } : null;
  });
}

/** The four corner offsets (a perspective is one shape: written whole). */
export function setPerspective(s: StagingSnapshot, args: { id: string; corners: Partial<PlacementCorners> }): StagingOperationResult {
  return one(s, args.id, (p) => {
    const next = { ...p.perspective, ...args.corners };
    return CORNERS.every((c) => next[c].x === p.perspective[c].x && next[c].y === p.perspective[c].y) ? null : { perspective: next };
  });
}

export function removePlacements(s: StagingSnapshot, args: { ids: readonly string[] }): StagingOperationResult {
  if (args.ids.length === 0) return refuse('Select a cut-out first.');
  const present = args.ids.filter((id) => s.placements.some((p) => p.id === id));
  if (present.length !== new Set(args.ids).size) return refuse(GONE);
  return commit(s, present.map((id): StagingChange => ({ op: 'delete', kind: 'placement', id })));
}

export type ReorderTo = 'forward' | 'backward' | 'front' | 'back';

/** Stacking on its photo: one step up or down (] and [), or to the front or back. */
export function reorderPlacement(s: StagingSnapshot, args: { id: string; to: ReorderTo }): StagingOperationResult {
  const p = s.placements.find((q) => q.id === args.id);
  if (!p) return refuse(GONE);
  const on = placementsOn(s, p.photoId);
  const from = on.indexOf(p);
  const others = on.filter((q) => q !== p);
  const index = { forward: from + 1, backward: from - 1, front: others.length, back: 0 }[args.to];
  if (index < 0 || index > others.length || index === from) return done();
  const { keys, rekey } = orderKeysAt(others, index, 1);
  return commit(s, [
    ...rekey.map((r): StagingChange => ({ op: 'update', kind: 'placement', id: r.id, patch: { order: r.order } })),
    { op: 'update', kind: 'placement', id: p.id, patch: { order: keys[0] } }
  ]);
}

/** Positions kept to 1/10000 of the photo: finer is invisible and makes noisy updates. */
function round(n: number, per = 10000): number {
  return Math.round(n * per) / per;
}
