/**
 * Timeline edits as pure functions: a snapshot (as `Timeline.snapshot()` reads it) and a gesture in, the changes
 * that make it (for `Timeline.apply`) or a reason a user can read out. Nothing here touches Yjs, so every rule is
 * unit-testable and the same code can preview a drag before anything is written.
 *
 * Ripple variants affect only the tracks they edit (there is no sync lock across tracks).
 */
import { keyBetween, keysBetween } from '../order';
import { applyChanges, COLLECTION_OF, type RecordChange, type TimelineChange, type TimelineRecordKind, type TimelineRecords } from './changes';
import { clipSchema, fitFades, KEYFRAMED_PROPERTIES, MAX_SCALE, MAX_SPEED, MAX_VOLUME, MIN_CLIP_DURATION, MIN_SCALE, TIME_EPSILON } from './clip';
import { newTimelineId } from './ids';
import { cropKeyframes, keyframesWithin, shiftKeyframes, type Keyframes } from './keyframes';
import { markerSchema, newMarker } from './marker';
import { normalizeTimeline, touching } from './normalize';
import { snapOffset, snapTargets } from './snap';
import {
  clipDuration,
  clipEnd,
  type ClipSnapshot,
  type Ducking,
  type Easing,
  type Keyframe,
  type KeyframedProperty,
  type MarkerSnapshot,
  type TimelineSettings,
  type TimelineSnapshot,
  type TitleAnimation,
  type TitleStyle,
  type TrackKind,
  type TrackSnapshot,
  type Transform,
  type TransitionKind,
  type TransitionSnapshot
} from './snapshot';
import { settingsOf, timelineSettingsSchema, type TimelinePreset } from './timeline-settings';
import { defaultTrackName, DUCKING_ATTACK_RANGE, DUCKING_DEFAULTS, DUCKING_MODES, DUCKING_RELEASE_RANGE, MAX_DUCKING_DB, newTrack, trackAccepts, trackSchema } from './track';
import { DEFAULT_TRANSITION_DURATION, MAX_TRANSITION_DURATION, MIN_TRANSITION_DURATION, newTransition, TRANSITION_KINDS, transitionLimit, transitionSchema } from './transition';

export interface OperationOptions {
  /** Source lengths in seconds by asset id: where known, in/out points and transition handles are checked against them. */
  assetDurations?: Readonly<Record<string, number>>;
  playhead?: number;
  /** Seconds (from the zoom level) within which an edge snaps to the playhead, clip edges and markers; 0 or absent: off. */
  snapDistance?: number;
  /** New record ids; tests pass a counter so a seed replays the same ids. */
  newId?: () => string;
}

export type OperationResult = { ok: true; changes: TimelineChange[]; created: string[] } | { ok: false; reason: string };

/** Plain data (JSON-safe, for the system clipboard): clips with their track relative to the lowest copied track. */
export interface TimelineClipboard {
  start: number;
  end: number;
  clips: { clip: ClipSnapshot; track: number; kind: TrackKind }[];
  transitions: TransitionSnapshot[];
}

const refuse = (reason: string): OperationResult => ({ ok: false, reason });
const done = (created: string[] = []): OperationResult => ({ ok: true, changes: [], created });
/** Microsecond times: float noise (4.999999999) never reaches the document. `+ 0` turns -0 into 0. */
const sec = (t: number) => Math.round(t * 1e6) / 1e6 + 0;
const fmt = (t: number) => `${Math.round(t * 100) / 100} s`;
const article = (kind: TrackKind) => (kind === 'audio' ? `an ${kind}` : `a ${kind}`);
const idOf = (opts: OperationOptions) => opts.newId ?? newTimelineId;
const overlap = (a: ClipSnapshot, b: ClipSnapshot) => a.start < clipEnd(b) - TIME_EPSILON && b.start < clipEnd(a) - TIME_EPSILON;
const update = <K extends TimelineRecordKind>(kind: K, id: string, patch: Partial<Omit<TimelineRecords[K], 'id'>>) =>
  ({ op: 'update', kind, id, patch }) as RecordChange<K> as TimelineChange;

function clipById(s: TimelineSnapshot, id: string) {
  return s.clips.find((c) => c.id === id);
}
function trackById(s: TimelineSnapshot, id: string) {
  return s.tracks.find((t) => t.id === id);
}
const clipsOn = (s: TimelineSnapshot, trackId: string) => s.clips.filter((c) => c.trackId === trackId);

/** The track, or why clips on it cannot be edited. */
function editableTrack(s: TimelineSnapshot, trackId: string): TrackSnapshot | string {
  const track = trackById(s, trackId);
  if (!track) return 'That track is no longer on the timeline.';
  if (track.locked) return `Track "${track.name}" is locked.`;
  return track;
}

function kindRefusal(track: TrackSnapshot, clip: Pick<ClipSnapshot, 'assetId'>): string | null {
  if (trackAccepts(track.kind, clip)) return null;
  return clip.assetId === null ? `Titles go on a title track, and "${track.name}" is ${article(track.kind)} track.` : `"${track.name}" is a title track: it holds titles only.`;
}

/**
 * The last step of every operation: checks the result (records valid, clips inside known sources, no overlap on the
 * tracks it touched) and adds what the edit implies for transitions (a cut that no longer exists loses its
 * transition; one whose handles shrank is shortened), exactly as `normalizeTimeline` reads them.
 */
function commit(s: TimelineSnapshot, changes: TimelineChange[], opts: OperationOptions, created: string[] = []): OperationResult {
  const next = applyChanges(s, changes);
  const records = new Map<string, unknown>();
  for (const kind of ['track', 'clip', 'transition', 'marker'] as const) for (const r of next[COLLECTION_OF[kind]]) records.set(`${kind}:${r.id}`, r);
  const touched = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'settings') {
      const r = timelineSettingsSchema.safeParse(next.settings);
      if (!r.success) return refuse(r.error.issues[0].message);
      continue;
    }
    if (change.kind === 'clip' && change.op !== 'insert') {
      const before = clipById(s, change.id);
      if (before) touched.add(before.trackId);
    }
    if (change.op === 'delete') continue;
    const id = change.op === 'insert' ? change.record.id : change.id;
    const record = records.get(`${change.kind}:${id}`);
    const r = SCHEMAS[change.kind].safeParse(record);
    if (!r.success) return refuse(r.error.issues[0].message);
    if (change.kind !== 'clip') continue;
    const clip = record as ClipSnapshot;
    touched.add(clip.trackId);
    const track = trackById(next, clip.trackId);
    if (!track) return refuse('That track is no longer on the timeline.');
    const wrongKind = kindRefusal(track, clip);
    if (wrongKind) return refuse(wrongKind);
    const source = clip.assetId === null ? undefined : opts.assetDurations?.[clip.assetId];
    if (source !== undefined && clip.out > source + TIME_EPSILON) return refuse(`The clip runs past the end of its source (${fmt(source)}).`);
  }
  for (const trackId of touched) {
    const on = clipsOn(next, trackId);
    for (let i = 1; i < on.length; i++) {
      if (overlap(on[i - 1], on[i])) return refuse(`Clips would overlap on track "${trackById(next, trackId)?.name ?? '?'}".`);
    }
  }
  const fixed = new Map(normalizeTimeline(next, opts.assetDurations).snapshot.transitions.map((t) => [t.id, t]));
  const fixups: TimelineChange[] = [];
  for (const t of next.transitions) {
    const f = fixed.get(t.id);
    if (!f) fixups.push({ op: 'delete', kind: 'transition', id: t.id });
    else if (f.duration !== t.duration) fixups.push(update('transition', t.id, { duration: f.duration }));
  }
  return { ok: true, changes: [...changes, ...fixups], created };
}

const SCHEMAS = { track: trackSchema, clip: clipSchema, transition: transitionSchema, marker: markerSchema };

/**
 * Makes room for `incoming` (clips at their final place; `moving` are the ids leaving their old place). Without
 * ripple an occupied spot is refused; with ripple, on each target track everything from the first incoming start
 * on moves right by the incoming span, and a clip straddling that point is split there first (an insert edit).
 */
function makeRoom(s: TimelineSnapshot, incoming: ClipSnapshot[], moving: ReadonlySet<string>, ripple: boolean, opts: OperationOptions): TimelineChange[] | string {
  const changes: TimelineChange[] = [];
  for (const trackId of new Set(incoming.map((c) => c.trackId))) {
    const track = trackById(s, trackId)!;
    const group = incoming.filter((c) => c.trackId === trackId);
    const others = clipsOn(s, trackId).filter((c) => !moving.has(c.id));
    if (!ripple) {
      const hit = others.find((o) => group.some((c) => overlap(c, o)));
      if (hit) return `There is already a clip at ${fmt(hit.start)} on track "${track.name}".`;
      continue;
    }
    const from = Math.min(...group.map((c) => c.start));
    const shift = Math.max(...group.map(clipEnd)) - from;
    for (const o of others) {
      if (o.start >= from - TIME_EPSILON) changes.push(update('clip', o.id, { start: sec(o.start + shift) }));
      else if (clipEnd(o) > from + TIME_EPSILON) {
        const split = splitAt(s, o, from, opts);
        if (typeof split === 'string') return `Too close to the edge of a clip on track "${track.name}" to insert there.`;
        split.right.start = sec(split.right.start + shift);
        changes.push(...split.changes);
      }
    }
  }
  return changes;
}

/** Cuts `clip` at timeline time `at` into itself (left) and a new clip (right), moving its outgoing transition along. */
function splitAt(s: TimelineSnapshot, clip: ClipSnapshot, at: number, opts: OperationOptions): { changes: TimelineChange[]; right: ClipSnapshot } | string {
  const duration = clipDuration(clip);
  const offset = at - clip.start;
  if (offset < MIN_CLIP_DURATION - TIME_EPSILON || duration - offset < MIN_CLIP_DURATION - TIME_EPSILON) {
    return `Too close to the edge of the clip to split there (each part lasts at least ${MIN_CLIP_DURATION} s).`;
  }
  const cut = sec(clip.in + offset * clip.speed);
  const [fadeIn] = fitFades(clip.fadeIn, 0, offset);
  const [, fadeOut] = fitFades(0, clip.fadeOut, duration - offset);
  const right: ClipSnapshot = {
    ...structuredClone(clip),
    id: idOf(opts)(),
    start: sec(at),
    // A title's "source" is its own time, always starting at 0.
    in: clip.title ? 0 : cut,
    out: clip.title ? sec(clip.out - cut) : clip.out,
    fadeIn: 0,
    fadeOut,
    keyframes: cropKeyframes(clip.keyframes, offset, duration),
    title: clip.title && { ...clip.title, animationIn: 'none' }
  };
  const left: Partial<ClipSnapshot> = { out: cut, fadeIn, fadeOut: 0, keyframes: cropKeyframes(clip.keyframes, 0, offset) };
  if (clip.title) left.title = { ...clip.title, animationOut: 'none' };
  const changes: TimelineChange[] = [update('clip', clip.id, left), { op: 'insert', kind: 'clip', record: right }];
  for (const t of s.transitions) if (t.fromClipId === clip.id) changes.push(update('transition', t.id, { fromClipId: right.id }));
  return { changes, right };
}

/** Puts `clip` (made with `newClip` / `newTitleClip`) at its start on its track; its edges snap. */
export function insertClip(s: TimelineSnapshot, args: { clip: ClipSnapshot; ripple?: boolean }, opts: OperationOptions = {}): OperationResult {
  const track = editableTrack(s, args.clip.trackId);
  if (typeof track === 'string') return refuse(track);
  const wrongKind = kindRefusal(track, args.clip);
  if (wrongKind) return refuse(wrongKind);
  if (clipById(s, args.clip.id)) return refuse('That clip is already on the timeline.');
  const duration = clipDuration(args.clip);
  if (!(duration >= MIN_CLIP_DURATION - TIME_EPSILON)) return refuse(`A clip lasts at least ${MIN_CLIP_DURATION} s.`);
  const requested = Math.max(0, args.clip.start);
  const start = Math.max(0, sec(requested + snapOffset([requested, requested + duration], snapTargets(s, opts.playhead), opts.snapDistance)));
  const clip = { ...args.clip, start };
  const room = makeRoom(s, [clip], new Set(), !!args.ripple, opts);
  if (typeof room === 'string') return refuse(room);
  return commit(s, [{ op: 'insert', kind: 'clip', record: clip }, ...room], opts, [clip.id]);
}

/**
 * Moves the selected clips together: `anchorId` (default: the first) goes to `start` on `trackId`, the others keep
 * their offsets in time and in tracks. Edges of every moved clip snap; the group never goes before 0.
 */
export function moveClips(
  s: TimelineSnapshot,
  args: { clipIds: readonly string[]; start: number; trackId?: string; anchorId?: string; ripple?: boolean },
  opts: OperationOptions = {}
): OperationResult {
  const ids = [...new Set(args.clipIds)];
  const clips = ids.map((id) => clipById(s, id));
  if (clips.length === 0) return refuse('Select the clips to move.');
  if (clips.some((c) => !c)) return refuse('A clip you are moving is no longer on the timeline.');
  const group = clips as ClipSnapshot[];
  const anchor = group.find((c) => c.id === (args.anchorId ?? ids[0]));
  if (!anchor) return refuse('The clip you are dragging is not in the selection.');
  const index = new Map(s.tracks.map((t, i) => [t.id, i]));
  if (args.trackId !== undefined && !index.has(args.trackId)) return refuse('That track is no longer on the timeline.');
  const trackShift = args.trackId === undefined ? 0 : index.get(args.trackId)! - index.get(anchor.trackId)!;

  const targets = new Map<string, TrackSnapshot>();
  for (const c of group) {
    const source = editableTrack(s, c.trackId);
    if (typeof source === 'string') return refuse(source);
    const target = s.tracks[index.get(c.trackId)! + trackShift];
    if (!target) return refuse('There is no track there for every selected clip.');
    if (target.locked) return refuse(`Track "${target.name}" is locked.`);
    if (target.kind !== source.kind) return refuse(`Clips stay on tracks of their kind: "${target.name}" is ${article(target.kind)} track.`);
    targets.set(c.id, target);
  }

  const earliest = Math.min(...group.map((c) => c.start));
  let delta = Math.max(args.start - anchor.start, -earliest);
  const edges = group.flatMap((c) => [c.start + delta, clipEnd(c) + delta]);
  delta = Math.max(delta + snapOffset(edges, snapTargets(s, opts.playhead, new Set(ids)), opts.snapDistance), -earliest);

  const moved = group.map((c) => ({ ...c, start: sec(c.start + delta), trackId: targets.get(c.id)!.id }));
  const changes: TimelineChange[] = [];
  moved.forEach((m, i) => {
    const patch: Partial<ClipSnapshot> = {};
    if (m.start !== group[i].start) patch.start = m.start;
    if (m.trackId !== group[i].trackId) patch.trackId = m.trackId;
    if (Object.keys(patch).length) changes.push(update('clip', m.id, patch));
  });
  if (changes.length === 0) return done();
  const room = makeRoom(s, moved, new Set(ids), !!args.ripple, opts);
  if (typeof room === 'string') return refuse(room);
  return commit(s, [...changes, ...room], opts);
}

/** The range an edge of a clip can be trimmed to (timeline seconds) without leaving its source or hitting a neighbour. */
export function trimRange(s: TimelineSnapshot, args: { clipId: string; edge: 'start' | 'end'; ripple?: boolean }, opts: OperationOptions = {}): [number, number] | null {
  const clip = clipById(s, args.clipId);
  if (!clip) return null;
  const end = clipEnd(clip);
  const others = clipsOn(s, clip.trackId).filter((c) => c.id !== clip.id);
  if (args.edge === 'start') {
    const neighbour = args.ripple ? 0 : Math.max(0, ...others.filter((c) => clipEnd(c) <= clip.start + TIME_EPSILON).map(clipEnd));
    const media = clip.title ? -Infinity : clip.start - clip.in / clip.speed;
    return [Math.max(neighbour, media, 0), end - MIN_CLIP_DURATION];
  }
  const source = clip.assetId === null ? undefined : opts.assetDurations?.[clip.assetId];
  const media = source === undefined ? Infinity : clip.start + (source - clip.in) / clip.speed;
  const neighbour = args.ripple ? Infinity : Math.min(Infinity, ...others.filter((c) => c.start >= end - TIME_EPSILON).map((c) => c.start));
  return [clip.start + MIN_CLIP_DURATION, Math.min(media, neighbour)];
}

/**
 * Moves one edge of a clip to `time` (timeline seconds; it snaps). The picture under the rest of the clip stays
 * put: keyframes and fades follow the content. With ripple the clip's start stays, and the clips after it on its
 * track move by the change in length.
 */
export function trimClip(
  s: TimelineSnapshot,
  args: { clipId: string; edge: 'start' | 'end'; time: number; ripple?: boolean },
  opts: OperationOptions = {}
): OperationResult {
  const clip = clipById(s, args.clipId);
  if (!clip) return refuse('That clip is no longer on the timeline.');
  const track = editableTrack(s, clip.trackId);
  if (typeof track === 'string') return refuse(track);
  const t = sec(args.time + snapOffset([args.time], snapTargets(s, opts.playhead, new Set([clip.id])), opts.snapDistance));
  const duration = clipDuration(clip);
  const end = clipEnd(clip);
  const ripple = !!args.ripple;
  // Content moves left (trim start) or the end moves: how far the clips after it shift in ripple mode.
  let shiftLater: number;
  let patch: Partial<ClipSnapshot>;

  if (args.edge === 'start') {
    const delta = t - clip.start;
    const length = duration - delta;
    if (length < MIN_CLIP_DURATION - TIME_EPSILON) return refuse(`A clip lasts at least ${MIN_CLIP_DURATION} s.`);
    if (!ripple && t < -TIME_EPSILON) return refuse('A clip cannot start before 0.');
    const source = clip.title ? { out: sec(clip.out - delta * clip.speed) } : { in: sec(clip.in + delta * clip.speed) };
    if (source.in !== undefined && source.in < -TIME_EPSILON) return refuse('The source has no more media before this point.');
    if (source.in !== undefined) source.in = Math.max(0, source.in);
    const [fadeIn, fadeOut] = fitFades(clip.fadeIn, clip.fadeOut, length);
    const keyframes = delta >= 0 ? cropKeyframes(clip.keyframes, delta, duration) : shiftKeyframes(clip.keyframes, -delta);
    patch = { ...source, fadeIn, fadeOut, keyframes, ...(ripple ? {} : { start: Math.max(0, t) }) };
    shiftLater = -delta;
  } else {
    const length = t - clip.start;
    if (length < MIN_CLIP_DURATION - TIME_EPSILON) return refuse(`A clip lasts at least ${MIN_CLIP_DURATION} s.`);
    let out = sec(clip.in + length * clip.speed);
    const source = clip.assetId === null ? undefined : opts.assetDurations?.[clip.assetId];
    if (source !== undefined && out > source + TIME_EPSILON) return refuse(`The source has no more media after this point (it lasts ${fmt(source)}).`);
    if (source !== undefined) out = Math.min(out, source);
    const [fadeIn, fadeOut] = fitFades(clip.fadeIn, clip.fadeOut, length);
    patch = { out, fadeIn, fadeOut, keyframes: length < duration ? cropKeyframes(clip.keyframes, 0, length) : clip.keyframes };
    shiftLater = length - duration;
  }

  const changes: TimelineChange[] = [update('clip', clip.id, patch)];
  const after = clipsOn(s, clip.trackId).filter((c) => c.id !== clip.id && c.start >= end - TIME_EPSILON);
  if (ripple && Math.abs(shiftLater) > 0) for (const c of after) changes.push(update('clip', c.id, { start: sec(c.start + shiftLater) }));
  else if (!ripple) {
    const trimmed = { ...clip, ...patch };
    const hit = clipsOn(s, clip.trackId).find((c) => c.id !== clip.id && overlap(trimmed, c));
    if (hit) return refuse(args.edge === 'start' ? 'The clip before is in the way.' : 'The next clip is in the way.');
  }
  return commit(s, changes, opts);
}

/**
 * Splits at `time` (default: the playhead) the selected clips under it, or, with no selection, every clip under it
 * on unlocked tracks (the S key).
 */
export function splitClips(s: TimelineSnapshot, args: { time?: number; clipIds?: readonly string[] }, opts: OperationOptions = {}): OperationResult {
  const at = args.time ?? opts.playhead;
  if (at === undefined || !Number.isFinite(at)) return refuse('Put the playhead where to split.');
  const selected = args.clipIds && args.clipIds.length > 0;
  const candidates = selected ? args.clipIds!.map((id) => clipById(s, id)).filter((c): c is ClipSnapshot => c !== undefined) : s.clips.filter((c) => !trackById(s, c.trackId)?.locked);
  const under = candidates.filter((c) => c.start < at && at < clipEnd(c));
  if (under.length === 0) return refuse(selected ? 'The playhead is not over a selected clip.' : 'The playhead is not over a clip.');
  const changes: TimelineChange[] = [];
  const created: string[] = [];
  let reason = '';
  for (const clip of under) {
    const track = editableTrack(s, clip.trackId);
    if (typeof track === 'string') return refuse(track);
    const split = splitAt(s, clip, at, opts);
    if (typeof split === 'string') {
      reason = split;
      continue;
    }
    changes.push(...split.changes);
    created.push(split.right.id);
  }
  if (changes.length === 0) return refuse(reason);
  return commit(s, changes, opts, created);
}

/** Deletes the clips and their transitions; with ripple, later clips on their tracks close the gaps. */
export function deleteClips(s: TimelineSnapshot, args: { clipIds: readonly string[]; ripple?: boolean }, opts: OperationOptions = {}): OperationResult {
  const ids = new Set(args.clipIds);
  const clips = s.clips.filter((c) => ids.has(c.id));
  if (clips.length === 0) return refuse('Select the clips to delete.');
  for (const c of clips) {
    const track = editableTrack(s, c.trackId);
    if (typeof track === 'string') return refuse(track);
  }
  const changes: TimelineChange[] = clips.map((c) => ({ op: 'delete', kind: 'clip', id: c.id }));
  for (const t of s.transitions) if (ids.has(t.fromClipId) || ids.has(t.toClipId)) changes.push({ op: 'delete', kind: 'transition', id: t.id });
  if (args.ripple) {
    for (const trackId of new Set(clips.map((c) => c.trackId))) {
      const gone = clips.filter((c) => c.trackId === trackId);
      for (const c of clipsOn(s, trackId)) {
        if (ids.has(c.id)) continue;
        const shift = gone.filter((g) => clipEnd(g) <= c.start + TIME_EPSILON).reduce((sum, g) => sum + clipDuration(g), 0);
        if (shift > 0) changes.push(update('clip', c.id, { start: Math.max(0, sec(c.start - shift)) }));
      }
    }
  }
  return commit(s, changes, opts);
}

/** The selected clips (and the transitions between them) as plain data, or null when none is on the timeline. */
export function copyClips(s: TimelineSnapshot, clipIds: readonly string[]): TimelineClipboard | null {
  const ids = new Set(clipIds);
  const clips = s.clips.filter((c) => ids.has(c.id));
  if (clips.length === 0) return null;
  const index = new Map(s.tracks.map((t, i) => [t.id, i]));
  const lowest = Math.min(...clips.map((c) => index.get(c.trackId)!));
  return {
    start: Math.min(...clips.map((c) => c.start)),
    end: Math.max(...clips.map(clipEnd)),
    clips: clips.map((c) => ({ clip: structuredClone(c), track: index.get(c.trackId)! - lowest, kind: s.tracks[index.get(c.trackId)!].kind })),
    transitions: s.transitions.filter((t) => ids.has(t.fromClipId) && ids.has(t.toClipId)).map((t) => structuredClone(t))
  };
}

/**
 * Pastes copies (new ids) so the earliest starts at `start` (edges snap) and the lowest copied track lands on
 * `trackId`; the others keep their distance in tracks and must find a track of their kind there.
 */
export function pasteClips(
  s: TimelineSnapshot,
  args: { clipboard: TimelineClipboard; trackId: string; start: number; ripple?: boolean },
  opts: OperationOptions = {}
): OperationResult {
  const { clipboard } = args;
  if (clipboard.clips.length === 0) return refuse('Nothing to paste.');
  const base = s.tracks.findIndex((t) => t.id === args.trackId);
  if (base < 0) return refuse('That track is no longer on the timeline.');
  let delta = Math.max(args.start, 0) - clipboard.start;
  const edges = clipboard.clips.flatMap(({ clip }) => [clip.start + delta, clipEnd(clip) + delta]);
  delta = Math.max(delta + snapOffset(edges, snapTargets(s, opts.playhead), opts.snapDistance), -clipboard.start);

  const newId = idOf(opts);
  const ids = new Map<string, string>();
  const pasted: ClipSnapshot[] = [];
  for (const { clip, track: offset, kind } of clipboard.clips) {
    const target = s.tracks[base + offset];
    if (!target) return refuse('There is no track there for every copied clip.');
    if (target.locked) return refuse(`Track "${target.name}" is locked.`);
    if (target.kind !== kind) return refuse(`Clips stay on tracks of their kind: "${target.name}" is ${article(target.kind)} track.`);
    ids.set(clip.id, newId());
    pasted.push({ ...structuredClone(clip), id: ids.get(clip.id)!, trackId: target.id, start: sec(clip.start + delta) });
  }
  const room = makeRoom(s, pasted, new Set(), !!args.ripple, opts);
  if (typeof room === 'string') return refuse(room);
  const changes: TimelineChange[] = pasted.map((record) => ({ op: 'insert', kind: 'clip', record }));
  for (const t of clipboard.transitions) {
    const [from, to] = [ids.get(t.fromClipId), ids.get(t.toClipId)];
    if (from && to) changes.push({ op: 'insert', kind: 'transition', record: { ...t, id: newId(), fromClipId: from, toClipId: to } });
  }
  return commit(s, [...changes, ...room], opts, pasted.map((c) => c.id));
}

/** Copies of the selection placed right after it, on the same tracks. */
export function duplicateClips(s: TimelineSnapshot, args: { clipIds: readonly string[]; ripple?: boolean }, opts: OperationOptions = {}): OperationResult {
  const clipboard = copyClips(s, args.clipIds);
  if (!clipboard) return refuse('Select the clips to duplicate.');
  const index = new Map(s.tracks.map((t, i) => [t.id, i]));
  const lowest = s.tracks[Math.min(...clipboard.clips.map(({ clip }) => index.get(clip.trackId)!))];
  return pasteClips(s, { clipboard, trackId: lowest.id, start: clipboard.end, ripple: args.ripple }, { ...opts, snapDistance: 0 });
}

/**
 * Adds a transition on the cut after `fromClipId` (to the clip touching it, or `toClipId`), or changes the one
 * already there. The duration is shortened to what the handles allow.
 */
export function addTransition(
  s: TimelineSnapshot,
  args: { fromClipId: string; toClipId?: string; kind?: TransitionKind; duration?: number },
  opts: OperationOptions = {}
): OperationResult {
  const from = clipById(s, args.fromClipId);
  if (!from) return refuse('That clip is no longer on the timeline.');
  const to = args.toClipId === undefined ? s.clips.find((c) => touching(from, c)) : clipById(s, args.toClipId);
  if (!to || !touching(from, to)) return refuse('A transition goes on a cut: two clips that touch on one track.');
  const track = editableTrack(s, from.trackId);
  if (typeof track === 'string') return refuse(track);
  const requested = args.duration ?? DEFAULT_TRANSITION_DURATION;
  if (!(requested >= MIN_TRANSITION_DURATION)) return refuse(`A transition lasts at least ${MIN_TRANSITION_DURATION} s.`);
  const limit = transitionLimit(from, to, opts.assetDurations);
  if (limit < MIN_TRANSITION_DURATION) {
    return refuse(
      Math.min(clipDuration(from), clipDuration(to)) < MIN_TRANSITION_DURATION
        ? 'The clips are too short for a transition.'
        : 'There is no media beyond the cut to blend: trim the clips to leave handles.'
    );
  }
  // Rounded down, so the stored duration never exceeds the handles by float noise.
  const duration = Math.floor(Math.min(requested, limit) * 1e6) / 1e6;
  const existing = s.transitions.find((t) => t.fromClipId === from.id || t.toClipId === to.id);
  if (existing) {
    const kind = args.kind ?? existing.kind;
    return commit(s, [update('transition', existing.id, { fromClipId: from.id, toClipId: to.id, kind, duration })], opts, [existing.id]);
  }
  const record = newTransition({ id: idOf(opts)(), fromClipId: from.id, toClipId: to.id, kind: args.kind, duration });
  return commit(s, [{ op: 'insert', kind: 'transition', record }], opts, [record.id]);
}

export function removeTransition(s: TimelineSnapshot, args: { id: string }, opts: OperationOptions = {}): OperationResult {
  const t = s.transitions.find((x) => x.id === args.id);
  if (!t) return refuse('That transition is no longer on the timeline.');
  const from = clipById(s, t.fromClipId);
  const track = from && editableTrack(s, from.trackId);
  if (typeof track === 'string') return refuse(track);
  return commit(s, [{ op: 'delete', kind: 'transition', id: t.id }], opts);
}

/** A marker at `time` (default: the playhead). */
export function addMarker(s: TimelineSnapshot, args: { time?: number; label?: string; color?: string }, opts: OperationOptions = {}): OperationResult {
  const time = args.time ?? opts.playhead;
  if (time === undefined || !Number.isFinite(time)) return refuse('Put the playhead where the marker goes.');
  if (time < 0) return refuse('A marker cannot be before 0.');
  const record = newMarker({ id: idOf(opts)(), time: sec(time), label: args.label, color: args.color });
  return commit(s, [{ op: 'insert', kind: 'marker', record }], opts, [record.id]);
}

/**
 * Markers where a scene detection of the clip's source found a new shot, for the cuts that fall inside the clip
 * (mapped through its in point and speed); a cut that already has a marker at its time gets no second one.
 */
export function addSceneMarkers(s: TimelineSnapshot, args: { clipId: string; scenes: readonly { time: number }[] }, opts: OperationOptions = {}): OperationResult {
  const found = args.scenes.map((scene) => ({ time: scene.time, label: 'Scene cut' }));
  return markSourceTimes(s, args.clipId, found, opts, 'No scene cut of this clip’s source falls inside the clip that is not marked already.');
}

/** Markers where speech detection of the clip's source heard speech start, labelled with how long it lasts; as addSceneMarkers. */
export function addSpeechMarkers(s: TimelineSnapshot, args: { clipId: string; speech: readonly { start: number; end: number }[] }, opts: OperationOptions = {}): OperationResult {
  const clip = clipById(s, args.clipId);
  const speed = clip?.speed ?? 1;
  const found = args.speech.map((r) => ({ time: r.start, label: `Speech ${((r.end - r.start) / speed).toFixed(1)} s` }));
  return markSourceTimes(s, args.clipId, found, opts, 'No speech of this clip’s source starts inside the clip where there is no marker already.');
}

/** Markers at times of a clip's source that fall inside the clip, mapped through its in point and speed; a time already marked is skipped. */
function markSourceTimes(s: TimelineSnapshot, clipId: string, found: readonly { time: number; label: string }[], opts: OperationOptions, none: string): OperationResult {
  const clip = clipById(s, clipId);
  if (!clip) return refuse('That clip is no longer on the timeline.');
  const end = clipEnd(clip);
  const marked = (t: number) => s.markers.some((m) => Math.abs(m.time - t) < 1e-3);
  const marks = found
    .map((f) => ({ time: sec(clip.start + (f.time - clip.in) / clip.speed), label: f.label }))
    .filter((m) => m.time > clip.start + TIME_EPSILON && m.time < end - TIME_EPSILON && !marked(m.time));
  if (!marks.length) return refuse(none);
  const records = marks.map((m) => newMarker({ id: idOf(opts)(), time: m.time, label: m.label }));
  return commit(s, records.map((record) => ({ op: 'insert' as const, kind: 'marker' as const, record })), opts, records.map((r) => r.id));
}

/** Moves a marker to `time`; it snaps to the playhead, clip edges and other markers. */
export function moveMarker(s: TimelineSnapshot, args: { id: string; time: number }, opts: OperationOptions = {}): OperationResult {
  const marker = s.markers.find((m) => m.id === args.id);
  if (!marker) return refuse('That marker is no longer on the timeline.');
  const time = Math.max(0, sec(args.time + snapOffset([args.time], snapTargets(s, opts.playhead, new Set([marker.id])), opts.snapDistance)));
  if (time === marker.time) return done();
  return commit(s, [update('marker', marker.id, { time })], opts);
}

export function editMarker(s: TimelineSnapshot, args: { id: string } & Partial<Pick<MarkerSnapshot, 'label' | 'color'>>, opts: OperationOptions = {}): OperationResult {
  const marker = s.markers.find((m) => m.id === args.id);
  if (!marker) return refuse('That marker is no longer on the timeline.');
  const patch: Partial<MarkerSnapshot> = {};
  if (args.label !== undefined && args.label !== marker.label) patch.label = args.label;
  if (args.color !== undefined && args.color !== marker.color) patch.color = args.color;
  return Object.keys(patch).length ? commit(s, [update('marker', marker.id, patch)], opts) : done();
}

export function deleteMarker(s: TimelineSnapshot, args: { id: string }, opts: OperationOptions = {}): OperationResult {
  if (!s.markers.some((m) => m.id === args.id)) return refuse('That marker is no longer on the timeline.');
  return commit(s, [{ op: 'delete', kind: 'marker', id: args.id }], opts);
}

/**
 * An order key for a track placed at `index` among `tracks` (sorted, without the one being placed). Equal keys
 * (two offline peers added a track at one spot) leave no room between them: then every track gets a fresh key.
 */
function orderAt(tracks: readonly TrackSnapshot[], index: number): { order: string; rekey: TimelineChange[] } {
  const below = tracks[index - 1]?.order ?? null;
  const above = tracks[index]?.order ?? null;
  try {
    if (below === null || above === null || below < above) return { order: keyBetween(below, above), rekey: [] };
  } catch {
    // A key a peer garbled: fall through to re-keying, which repairs it.
  }
  const keys = keysBetween(null, null, tracks.length + 1);
  const rekey = tracks.flatMap((t, i) => {
    const order = keys[i < index ? i : i + 1];
    return order === t.order ? [] : [update('track', t.id, { order })];
  });
  return { order: keys[index], rekey };
}

/** A new track at `index` (bottom = 0; default: on top), named V1/A1/T1… unless `name` is given. */
export function addTrack(s: TimelineSnapshot, args: { kind: TrackKind; name?: string; index?: number }, opts: OperationOptions = {}): OperationResult {
  const index = Math.max(0, Math.min(args.index ?? s.tracks.length, s.tracks.length));
  const { order, rekey } = orderAt(s.tracks, index);
  const record = newTrack({ id: idOf(opts)(), kind: args.kind, name: args.name ?? defaultTrackName(args.kind, s.tracks), order });
  return commit(s, [...rekey, { op: 'insert', kind: 'track', record }], opts, [record.id]);
}

/** Moves a track to `index` in the bottom-to-top order. Locked tracks move too: the lock protects their clips. */
export function reorderTrack(s: TimelineSnapshot, args: { trackId: string; index: number }, opts: OperationOptions = {}): OperationResult {
  const current = s.tracks.findIndex((t) => t.id === args.trackId);
  if (current < 0) return refuse('That track is no longer on the timeline.');
  const others = s.tracks.filter((t) => t.id !== args.trackId);
  const index = Math.max(0, Math.min(args.index, others.length));
  if (index === current) return done();
  const { order, rekey } = orderAt(others, index);
  return commit(s, [...rekey, update('track', args.trackId, { order })], opts);
}

/** Mute, solo, lock, hide: allowed on locked tracks too, since they change what is heard and seen, not the cut. */
export function setTrackState(
  s: TimelineSnapshot,
  args: { trackId: string } & Partial<Pick<TrackSnapshot, 'muted' | 'solo' | 'locked' | 'hidden'>>,
  opts: OperationOptions = {}
): OperationResult {
  const track = trackById(s, args.trackId);
  if (!track) return refuse('That track is no longer on the timeline.');
  const patch: Partial<TrackSnapshot> = {};
  for (const flag of ['muted', 'solo', 'locked', 'hidden'] as const) if (args[flag] !== undefined && args[flag] !== track[flag]) patch[flag] = args[flag];
  return Object.keys(patch).length ? commit(s, [update('track', track.id, patch)], opts) : done();
}

/**
 * An audio track lowered by `amountDb` under `byTrackId`: while it has sound (level) or where speech was detected in
 * its clips (speech); null turns ducking off. Settings left out keep the track's current ones.
 */
export function setTrackDucking(
  s: TimelineSnapshot,
  args: { trackId: string; byTrackId: string | null } & Partial<Omit<Ducking, 'byTrackId'>>,
  opts: OperationOptions = {}
): OperationResult {
  const track = trackById(s, args.trackId);
  if (!track) return refuse('That track is no longer on the timeline.');
  if (track.locked) return refuse(`Track "${track.name}" is locked.`);
  if (args.byTrackId === null) return track.ducking ? commit(s, [update('track', track.id, { ducking: null })], opts) : done();
  if (track.kind !== 'audio') return refuse('Only audio tracks duck.');
  if (args.byTrackId === track.id) return refuse('A track cannot duck under itself.');
  if (!trackById(s, args.byTrackId)) return refuse('The track to duck under is no longer on the timeline.');
  const was = track.ducking ?? DUCKING_DEFAULTS;
  const ducking: Ducking = {
    byTrackId: args.byTrackId,
    amountDb: args.amountDb ?? was.amountDb,
    mode: args.mode ?? was.mode,
    attack: args.attack ?? was.attack,
    release: args.release ?? was.release
  };
  if (!(ducking.amountDb > 0 && ducking.amountDb <= MAX_DUCKING_DB)) return refuse(`Ducking lowers by more than 0 and at most ${MAX_DUCKING_DB} dB.`);
  if (!DUCKING_MODES.includes(ducking.mode)) return refuse(`Ducking follows ${DUCKING_MODES.join(' or ')}.`);
  const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
  if (!(ducking.attack >= DUCKING_ATTACK_RANGE.min && ducking.attack <= DUCKING_ATTACK_RANGE.max)) {
    return refuse(`The attack is ${ms(DUCKING_ATTACK_RANGE.min)} to ${ms(DUCKING_ATTACK_RANGE.max)}.`);
  }
  if (!(ducking.release >= DUCKING_RELEASE_RANGE.min && ducking.release <= DUCKING_RELEASE_RANGE.max)) {
    return refuse(`The release is ${ms(DUCKING_RELEASE_RANGE.min)} to ${ms(DUCKING_RELEASE_RANGE.max)}.`);
  }
  return commit(s, [update('track', track.id, { ducking })], opts);
}

/** Deletes a track with its clips and their transitions; tracks that ducked under it stop ducking. */
export function deleteTrack(s: TimelineSnapshot, args: { trackId: string }, opts: OperationOptions = {}): OperationResult {
  const track = editableTrack(s, args.trackId);
  if (typeof track === 'string') return refuse(track);
  const clipIds = new Set(clipsOn(s, track.id).map((c) => c.id));
  const changes: TimelineChange[] = [{ op: 'delete', kind: 'track', id: track.id }];
  for (const id of clipIds) changes.push({ op: 'delete', kind: 'clip', id });
  for (const t of s.transitions) if (clipIds.has(t.fromClipId)) changes.push({ op: 'delete', kind: 'transition', id: t.id });
  for (const t of s.tracks) if (t.ducking?.byTrackId === track.id) changes.push(update('track', t.id, { ducking: null }));
  return commit(s, changes, opts);
}

/** Frame size and rate. */
export function setSettings(s: TimelineSnapshot, args: Partial<TimelineSettings>, opts: OperationOptions = {}): OperationResult {
  const patch: Partial<TimelineSettings> = {};
  for (const key of ['width', 'height', 'fps'] as const) if (args[key] !== undefined && args[key] !== s.settings[key]) patch[key] = args[key];
  return Object.keys(patch).length ? commit(s, [{ op: 'update', kind: 'settings', patch }], opts) : done();
}

/** 16:9, 9:16 or 1:1: a preset sets the frame size; the frame rate stays what the project chose. */
export function setPreset(s: TimelineSnapshot, args: { preset: TimelinePreset }, opts: OperationOptions = {}): OperationResult {
  const { width, height } = settingsOf(args.preset);
  return setSettings(s, { width, height }, opts);
}


// ---- Clip properties: what the clip inspector edits ----

/** Slowest playback the render supports (filter-graph.ts clamps to the same). */
export const MIN_SPEED = 0.01;
/** A fresh box behind a title: black at 70 %. */
export const DEFAULT_TITLE_BOX = Object.freeze({ color: '#000000b3', padding: 16 });
const EASINGS: readonly Easing[] = ['linear', 'ease-in', 'ease-out', 'ease-in-out'];
const TITLE_ANIMATIONS: readonly TitleAnimation[] = ['none', 'fade', 'slide-up'];
const COLOR = /^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const MAX_KEYFRAMES = 1000;

/** Bounds of each animatable value (the clip field and its keyframes alike), with what to tell the user outside them. */
const PROPERTY_LIMITS: Record<KeyframedProperty, { min: number; max: number; name: string; range: string }> = {
  volume: { min: 0, max: MAX_VOLUME, name: 'Volume', range: 'from silent (−∞ dB) to +12 dB (400 %)' },
  opacity: { min: 0, max: 1, name: 'Opacity', range: 'between 0 % and 100 %' },
  x: { min: -1e5, max: 1e5, name: 'Position X', range: 'within 100000 px of the centre' },
  y: { min: -1e5, max: 1e5, name: 'Position Y', range: 'within 100000 px of the centre' },
  scale: { min: MIN_SCALE, max: MAX_SCALE, name: 'Scale', range: `between ${MIN_SCALE * 100} % and ${MAX_SCALE * 100} %` },
  rotation: { min: -3600, max: 3600, name: 'Rotation', range: 'between −3600° and 3600°' }
};

function valueRefusal(property: KeyframedProperty, value: number): string | null {
  const { min, max, name, range } = PROPERTY_LIMITS[property];
  if (typeof value !== 'number' || !Number.isFinite(value)) return `Enter a number for ${name}.`;
  return value < min || value > max ? `${name} goes ${range}: enter a value in that range.` : null;
}

/** Sound belongs to clips that play media; picture to clips on video and title tracks. */
function hasSound(clip: ClipSnapshot): boolean {
  return clip.assetId !== null;
}
function hasPicture(s: TimelineSnapshot, clip: ClipSnapshot): boolean {
  const kind = trackById(s, clip.trackId)?.kind;
  return kind === 'video' || kind === 'title';
}
const animates = (s: TimelineSnapshot, clip: ClipSnapshot, property: KeyframedProperty) => (property === 'volume' ? hasSound(clip) : hasPicture(s, clip));
const NO_SOUND = 'Titles have no sound: volume applies to audio and video clips.';
const NO_PICTURE = 'Audio clips have no picture: opacity and transform apply to video and title clips.';

/** The selected clips, each on an editable track, or why they cannot be edited. */
function editableClips(s: TimelineSnapshot, clipIds: readonly string[], nothing: string): ClipSnapshot[] | string {
  const ids = [...new Set(clipIds)];
  if (ids.length === 0) return nothing;
  const clips: ClipSnapshot[] = [];
  for (const id of ids) {
    const clip = clipById(s, id);
    if (!clip) return 'A clip you are editing is no longer on the timeline.';
    const track = editableTrack(s, clip.trackId);
    if (typeof track === 'string') return track;
    clips.push(clip);
  }
  return clips;
}

/** The clip field a keyframed property animates, as a patch setting it to `value`. */
function staticPatch(clip: ClipSnapshot, property: KeyframedProperty, value: number): Partial<ClipSnapshot> {
  if (property === 'volume' || property === 'opacity') return { [property]: value };
  return { transform: { ...clip.transform, [property]: value } };
}

/** Only the fields whose value differs (records are compared as JSON, as RecordMap.update writes them). */
function changedFields(clip: ClipSnapshot, next: Partial<ClipSnapshot>): Partial<ClipSnapshot> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(clip[key as keyof ClipSnapshot]) !== JSON.stringify(value)) patch[key] = value;
  }
  return patch as Partial<ClipSnapshot>;
}

export interface ClipProperties {
  /** Linear gain, 0 (silent) to MAX_VOLUME. */
  volume?: number;
  fadeIn?: number;
  fadeOut?: number;
  opacity?: number;
  /** Playback rate: the clip keeps its start and its source range, so its length changes. */
  speed?: number;
  transform?: Partial<Omit<Transform, 'crop'>> & { crop?: Partial<Transform['crop']> };
}

/**
 * Sets properties on every selected clip (a field is set only on clips it applies to: volume and speed on media,
 * opacity and transform on pictures; refused when it applies to none of them). A speed change keeps the start and
 * the source range, so the clip gets longer or shorter: its keyframes and fades follow the content; without ripple
 * a clip that would run into the next one is refused, with ripple the later clips on its track move by the change.
 */
export function setClipProperties(s: TimelineSnapshot, args: { clipIds: readonly string[]; ripple?: boolean } & ClipProperties, opts: OperationOptions = {}): OperationResult {
  const clips = editableClips(s, args.clipIds, 'Select the clips to change.');
  if (typeof clips === 'string') return refuse(clips);
  const { volume, fadeIn, fadeOut, opacity, speed, transform } = args;

  if (volume !== undefined) {
    const bad = valueRefusal('volume', volume);
    if (bad) return refuse(bad);
    if (!clips.some(hasSound)) return refuse(NO_SOUND);
  }
  if (opacity !== undefined) {
    const bad = valueRefusal('opacity', opacity);
    if (bad) return refuse(bad);
  }
  if (transform) {
    for (const key of ['x', 'y', 'scale', 'rotation'] as const) {
      const bad = transform[key] !== undefined && valueRefusal(key, transform[key]!);
      if (bad) return refuse(bad);
    }
    for (const [edge, v] of Object.entries(transform.crop ?? {})) {
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1)) return refuse(`Crop ${edge} is between 0 % and 100 % of the picture: enter a value in that range.`);
    }
  }
  if ((opacity !== undefined || transform) && !clips.some((c) => hasPicture(s, c))) return refuse(NO_PICTURE);
  for (const [which, v] of [['in', fadeIn], ['out', fadeOut]] as const) {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) return refuse(`Enter a fade ${which} of 0 s or more.`);
  }
  if (speed !== undefined) {
    if (!(typeof speed === 'number' && speed >= MIN_SPEED && speed <= MAX_SPEED)) return refuse(`Speed goes from ${MIN_SPEED}× to ${MAX_SPEED}×: enter a value in that range.`);
    if (!clips.some(hasSound)) return refuse('A title has no speed: trim it to change how long it shows.');
  }

  const patches = new Map<string, Partial<ClipSnapshot>>();
  const lengthChange = new Map<string, number>();
  for (const clip of clips) {
    const next: Partial<ClipSnapshot> = {};
    const oldDuration = clipDuration(clip);
    let duration = oldDuration;
    if (speed !== undefined && hasSound(clip) && speed !== clip.speed) {
      duration = (clip.out - clip.in) / speed;
      if (duration < MIN_CLIP_DURATION - TIME_EPSILON) return refuse(`At ${speed}× the clip at ${fmt(clip.start)} would last under ${MIN_CLIP_DURATION} s: choose a lower speed.`);
      next.speed = speed;
      // The same frame stays under each keyframe: its time scales with the clip.
      const k = clip.speed / speed;
      const retimed: Keyframes = {};
      for (const [prop, keys] of Object.entries(clip.keyframes) as [KeyframedProperty, Keyframe[]][]) {
        if (keys) retimed[prop] = keys.map((key) => ({ ...key, t: Math.min(sec(key.t * k), duration) }));
      }
      next.keyframes = keyframesWithin(retimed, duration, TIME_EPSILON);
      lengthChange.set(clip.id, duration - oldDuration);
    }
    for (const [which, v] of [['in', fadeIn], ['out', fadeOut]] as const) {
      if (v !== undefined && v > duration + TIME_EPSILON) {
        return refuse(`The clip at ${fmt(clip.start)} lasts ${fmt(duration)}, too short for a ${fmt(v)} fade ${which}: enter at most ${fmt(Math.floor(duration * 100) / 100)}.`);
      }
    }
    if (fadeIn !== undefined || fadeOut !== undefined || duration !== oldDuration) {
      let [fi, fo] = [fadeIn ?? clip.fadeIn, fadeOut ?? clip.fadeOut];
      // The fade the user did not set gives way to the one they did; both set (or a shorter clip) shrink together.
      if (fadeIn !== undefined && fadeOut === undefined) fo = Math.max(0, Math.min(fo, duration - fi));
      else if (fadeOut !== undefined && fadeIn === undefined) fi = Math.max(0, Math.min(fi, duration - fo));
      [fi, fo] = fitFades(fi, fo, duration);
      next.fadeIn = sec(fi);
      next.fadeOut = sec(fo);
      // Rounding may tip the sum over the length by a microsecond: the fade out gives it back.
      if (next.fadeIn + next.fadeOut > duration + TIME_EPSILON) next.fadeOut = Math.max(0, next.fadeOut - 1e-6);
    }
    if (volume !== undefined && hasSound(clip)) next.volume = volume;
    if (hasPicture(s, clip)) {
      if (opacity !== undefined) next.opacity = opacity;
      if (transform) {
        const { crop, ...rest } = transform;
        const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
        const cropDefined = Object.fromEntries(Object.entries(crop ?? {}).filter(([, v]) => v !== undefined));
        const merged: Transform = { ...clip.transform, ...defined, crop: { ...clip.transform.crop, ...cropDefined } };
        if (merged.crop.left + merged.crop.right >= 1) return refuse('The crop leaves no picture: crop less from the left and right.');
        if (merged.crop.top + merged.crop.bottom >= 1) return refuse('The crop leaves no picture: crop less from the top and bottom.');
        next.transform = merged;
      }
    }
    patches.set(clip.id, changedFields(clip, next));
  }

  // Lengths changed: the later clips on each track move (ripple), or must not be run into.
  for (const trackId of new Set(clips.filter((c) => lengthChange.has(c.id)).map((c) => c.trackId))) {
    const track = trackById(s, trackId)!;
    const on = clipsOn(s, trackId);
    if (args.ripple) {
      let shift = 0;
      for (const c of on) {
        if (shift !== 0) patches.set(c.id, { ...(patches.get(c.id) ?? {}), start: sec(c.start + shift) });
        shift += lengthChange.get(c.id) ?? 0;
      }
      continue;
    }
    for (let i = 0; i < on.length - 1; i++) {
      const change = lengthChange.get(on[i].id);
      if (change === undefined || change <= 0) continue;
      const end = on[i].start + clipDuration(on[i]) + change;
      if (end > on[i + 1].start + TIME_EPSILON) {
        return refuse(`At ${speed}× the clip at ${fmt(on[i].start)} would run into the next clip on track "${track.name}": make room after it, or ripple to move the later clips.`);
      }
    }
  }

  const changes: TimelineChange[] = [];
  for (const [id, patch] of patches) if (Object.keys(patch).length) changes.push(update('clip', id, patch));
  return changes.length ? commit(s, changes, opts) : done();
}

/** Adds a keyframe at `t` (seconds from the clip's start), or replaces the one there (its value and easing). */
export function setKeyframe(
  s: TimelineSnapshot,
  args: { clipId: string; property: KeyframedProperty; t: number; value: number; easing?: Easing },
  opts: OperationOptions = {}
): OperationResult {
  const clips = editableClips(s, [args.clipId], 'Select a clip to animate.');
  if (typeof clips === 'string') return refuse(clips);
  const [clip] = clips;
  if (!(KEYFRAMED_PROPERTIES as readonly string[]).includes(args.property)) return refuse(`${args.property} cannot be animated.`);
  if (!animates(s, clip, args.property)) return refuse(args.property === 'volume' ? NO_SOUND : NO_PICTURE);
  const bad = valueRefusal(args.property, args.value);
  if (bad) return refuse(bad);
  const easing = args.easing ?? 'linear';
  if (!EASINGS.includes(easing)) return refuse(`Easing is one of ${EASINGS.join(', ')}.`);
  const duration = clipDuration(clip);
  if (!(Number.isFinite(args.t) && args.t >= -TIME_EPSILON && args.t <= duration + TIME_EPSILON)) {
    return refuse('A keyframe goes inside its clip: put the playhead over the clip.');
  }
  const t = Math.min(Math.max(0, sec(args.t)), duration);
  const keys = clip.keyframes[args.property] ?? [];
  const others = keys.filter((k) => Math.abs(k.t - t) > TIME_EPSILON);
  if (others.length >= MAX_KEYFRAMES) return refuse(`A property has at most ${MAX_KEYFRAMES} keyframes: remove some first.`);
  const next = [...others, { t, value: args.value, easing }].sort((a, b) => a.t - b.t);
  if (JSON.stringify(next) === JSON.stringify(keys)) return done();
  return commit(s, [update('clip', clip.id, { keyframes: { ...clip.keyframes, [args.property]: next } })], opts);
}

/**
 * Removes the keyframe at `t`. Removing the last one ends the animation at the value it had: the clip field takes
 * that value, so the picture (or sound) does not jump.
 */
export function removeKeyframe(s: TimelineSnapshot, args: { clipId: string; property: KeyframedProperty; t: number }, opts: OperationOptions = {}): OperationResult {
  const clips = editableClips(s, [args.clipId], 'Select a clip to animate.');
  if (typeof clips === 'string') return refuse(clips);
  const [clip] = clips;
  const keys = clip.keyframes[args.property] ?? [];
  const gone = keys.find((k) => Math.abs(k.t - args.t) <= TIME_EPSILON);
  const name = PROPERTY_LIMITS[args.property]?.name ?? args.property;
  if (!gone) return refuse(`There is no ${name} keyframe at ${fmt(args.t)} in this clip.`);
  const rest = keys.filter((k) => k !== gone);
  if (rest.length > 0) return commit(s, [update('clip', clip.id, { keyframes: { ...clip.keyframes, [args.property]: rest } })], opts);
  const keyframes = { ...clip.keyframes };
  delete keyframes[args.property];
  return commit(s, [update('clip', clip.id, { keyframes, ...staticPatch(clip, args.property, gone.value) })], opts);
}

export type TitleStyleEdit = Partial<Omit<TitleStyle, 'box'>> & { box?: Partial<NonNullable<TitleStyle['box']>> | null };

/** Text, font, size, colour, box, position and animations of the selected titles (a box edit keeps what it does not set). */
export function setTitleStyle(s: TimelineSnapshot, args: { clipIds: readonly string[] } & TitleStyleEdit, opts: OperationOptions = {}): OperationResult {
  const clips = editableClips(s, args.clipIds, 'Select the titles to change.');
  if (typeof clips === 'string') return refuse(clips);
  if (clips.some((c) => !c.title)) return refuse('Only titles have text and a title style: select title clips only.');
  const { text, font, size, color, box, x, y, animationIn, animationOut } = args;
  const edit: Partial<TitleStyle> = {};
  if (text !== undefined) {
    const trimmed = typeof text === 'string' ? text.trim() : '';
    if (!trimmed) return refuse('A title needs text: type some, or delete the title.');
    if (trimmed.length > 500) return refuse('A title has at most 500 characters: shorten the text.');
    edit.text = trimmed;
  }
  if (font !== undefined) {
    const trimmed = typeof font === 'string' ? font.trim() : '';
    if (!trimmed || trimmed.length > 100) return refuse('Choose a font (a name of at most 100 characters).');
    edit.font = trimmed;
  }
  if (size !== undefined) {
    if (!(typeof size === 'number' && size > 0 && size <= 1000)) return refuse('Text size goes from 1 to 1000 px: enter a value in that range.');
    edit.size = size;
  }
  if (color !== undefined) {
    if (!COLOR.test(color)) return refuse('A colour is #rrggbb or #rrggbbaa.');
    edit.color = color;
  }
  for (const [key, v] of [['x', x], ['y', y]] as const) {
    if (v === undefined) continue;
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) return refuse('Text position is between 0 % and 100 % of the frame: enter a value in that range.');
    edit[key] = v;
  }
  for (const [key, v] of [['animationIn', animationIn], ['animationOut', animationOut]] as const) {
    if (v === undefined) continue;
    if (!TITLE_ANIMATIONS.includes(v)) return refuse(`An animation is one of ${TITLE_ANIMATIONS.join(', ')}.`);
    edit[key] = v;
  }
  if (box) {
    if (box.color !== undefined && !COLOR.test(box.color)) return refuse('A colour is #rrggbb or #rrggbbaa.');
    if (box.padding !== undefined && !(typeof box.padding === 'number' && box.padding >= 0 && box.padding <= 500)) return refuse('Box padding goes from 0 to 500 px: enter a value in that range.');
  }
  const changes: TimelineChange[] = [];
  for (const clip of clips) {
    const title: TitleStyle = { ...clip.title!, ...edit };
    if (box === null) title.box = null;
    else if (box) title.box = { ...(clip.title!.box ?? DEFAULT_TITLE_BOX), ...Object.fromEntries(Object.entries(box).filter(([, v]) => v !== undefined)) };
    const patch = changedFields(clip, { title });
    if (Object.keys(patch).length) changes.push(update('clip', clip.id, patch));
  }
  return changes.length ? commit(s, changes, opts) : done();
}

/** Changes a transition's kind or duration; a duration longer than the media beyond the cut allows is refused. */
export function editTransition(s: TimelineSnapshot, args: { id: string; kind?: TransitionKind; duration?: number }, opts: OperationOptions = {}): OperationResult {
  const t = s.transitions.find((x) => x.id === args.id);
  if (!t) return refuse('That transition is no longer on the timeline.');
  const [from, to] = [clipById(s, t.fromClipId), clipById(s, t.toClipId)];
  if (!from || !to) return refuse('That transition is no longer on the timeline.');
  const track = editableTrack(s, from.trackId);
  if (typeof track === 'string') return refuse(track);
  const patch: Partial<TransitionSnapshot> = {};
  if (args.kind !== undefined && args.kind !== t.kind) {
    if (!TRANSITION_KINDS.includes(args.kind)) return refuse(`A transition is one of ${TRANSITION_KINDS.join(', ')}.`);
    patch.kind = args.kind;
  }
  if (args.duration !== undefined) {
    const d = args.duration;
    if (!(typeof d === 'number' && Number.isFinite(d))) return refuse('Enter a transition duration in seconds.');
    if (d < MIN_TRANSITION_DURATION - TIME_EPSILON) return refuse(`A transition lasts at least ${MIN_TRANSITION_DURATION} s: enter a longer duration.`);
    if (d > MAX_TRANSITION_DURATION + TIME_EPSILON) return refuse(`A transition lasts at most ${MAX_TRANSITION_DURATION} s: enter a shorter duration.`);
    const limit = transitionLimit(from, to, opts.assetDurations);
    if (d > limit + TIME_EPSILON) {
      return refuse(`This cut has room for at most ${fmt(Math.floor(limit * 100) / 100)} of transition: enter a shorter duration, or trim the clips to leave more media beyond the cut.`);
    }
    // Never above the handles by float noise (as addTransition rounds).
    const duration = Math.min(sec(d), Math.floor(limit * 1e6) / 1e6);
    if (duration !== t.duration) patch.duration = duration;
  }
  return Object.keys(patch).length ? commit(s, [update('transition', t.id, patch)], opts) : done();
}
