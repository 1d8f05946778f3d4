/**
 * A listing video as timeline clips, so an editor can fine-tune it and re-render with the timeline render: each photo
 * a still clip with scale and position keyframes for its Ken Burns move, crossfades on the cuts, the title card and
 * the end card as title clips, the music on an audio track. Placed after whatever the timeline already holds.
 */
import { applyChanges } from './changes';
import { newClip, newTitleClip } from './clip';
import { addTrack, addTransition, insertClip, type OperationOptions, type OperationResult } from './operations';
import { clipEnd, type ClipSnapshot, type TimelineSnapshot, type TrackKind } from './snapshot';

/** How far a move zooms (the worker's KEN_BURNS_ZOOM). */
export const LISTING_CUT_ZOOM = 1.15;

export interface ListingCutPhoto {
  assetId: string;
  /** The picture's size (for the scale that covers the canvas); unknown sizes are taken as the canvas's aspect. */
  width: number | null;
  height: number | null;
  focus: { x: number; y: number } | null;
  move: 'in' | 'out';
}

export interface ListingCutArgs {
  fps: number;
  /** Frames of half a transition. */
  half: number;
  /** Frames of the cuts: title | photo 1 | … | photo n | end card. */
  cuts: number[];
  frames: number;
  photos: ListingCutPhoto[];
  titleText: string;
  /** The end card's text; empty: none. */
  endText: string;
  musicAssetId: string | null;
}

export function insertListingCut(s: TimelineSnapshot, args: ListingCutArgs, opts: OperationOptions = {}): OperationResult {
  if (args.cuts.length !== args.photos.length + 1) return { ok: false, reason: 'The cut does not match the photos.' };
  const offset = s.clips.reduce((end, c) => Math.max(end, clipEnd(c)), 0);
  const at = (frame: number) => offset + frame / args.fps;
  let state = s;
  const changes: OperationResult & { ok: true } = { ok: true, changes: [], created: [] };
  const step = (r: OperationResult): string | null => {
    if (!r.ok) return r.reason;
    state = applyChanges(state, r.changes);
    changes.changes.push(...r.changes);
    changes.created.push(...r.created);
    return null;
  };
  // New tracks of their own: the cut never lands on a track someone locked or filled, and one undo takes it all back.
  const track = (kind: TrackKind, name: string): string | { reason: string } => {
    const r = addTrack(state, { kind, name }, opts);
    const refused = step(r);
    return refused ? { reason: refused } : r.ok ? r.created[0]! : { reason: 'no track' };
  };
  const video = track('video', 'Listing photos');
  if (typeof video !== 'string') return { ok: false, reason: video.reason };
  const titles = track('title', 'Listing cards');
  if (typeof titles !== 'string') return { ok: false, reason: titles.reason };

  const { width: W, height: H } = state.settings;
  const fade = (2 * args.half) / args.fps;
  // A still has no length of its own: starting it a transition into its "source" leaves the handle a crossfade blends.
  const handle = Math.max(fade, 0.1);
  const placed: ClipSnapshot[] = [];
  for (const [i, p] of args.photos.entries()) {
    const start = at(args.cuts[i]!);
    const seconds = (args.cuts[i + 1]! - args.cuts[i]!) / args.fps;
    const clip = newClip({ id: opts.newId?.(), trackId: video, assetId: p.assetId, start, in: handle, out: handle + seconds, keyframes: kenBurnsKeyframes(p, W, H, seconds) });
    const refused = step(insertClip(state, { clip }, opts));
    if (refused) return { ok: false, reason: refused };
    placed.push(clip);
  }
  for (let i = 0; i + 1 < placed.length; i++) {
    const refused = step(addTransition(state, { fromClipId: placed[i]!.id, toClipId: placed[i + 1]!.id, kind: 'fade', duration: fade }, opts));
    if (refused) return { ok: false, reason: refused };
  }
  const cards: [number, number, string][] = [[0, args.cuts[0]!, args.titleText]];
  if (args.endText) cards.push([args.cuts[args.cuts.length - 1]!, args.frames, args.endText]);
  for (const [from, to, text] of cards) {
    if (!text.trim()) continue;
    const refused = step(insertClip(state, { clip: newTitleClip({ id: opts.newId?.(), trackId: titles, start: at(from), duration: (to - from) / args.fps, text, style: { animationIn: 'fade', animationOut: 'fade' } }) }, opts));
    if (refused) return { ok: false, reason: refused };
  }
  if (args.musicAssetId) {
    const audio = track('audio', 'Listing music');
    if (typeof audio !== 'string') return { ok: false, reason: audio.reason };
    const seconds = args.frames / args.fps;
    const refused = step(insertClip(state, { clip: newClip({ id: opts.newId?.(), trackId: audio, assetId: args.musicAssetId, start: offset, out: seconds, fadeOut: Math.min(1.5, seconds / 2) }) }, opts));
    if (refused) return { ok: false, reason: refused };
  }
  return changes;
}

/**
 * Scale and position at the clip's start and end. Scale 1 fits the picture inside the canvas, so covering it takes
 * the ratio of the aspects; the move zooms LISTING_CUT_ZOOM further toward the focus (or back out from it), and the
 * picture always covers the canvas.
 */
export function kenBurnsKeyframes(p: ListingCutPhoto, W: number, H: number, seconds: number): ClipSnapshot['keyframes'] {
  const aspect = p.width && p.height ? p.width / p.height : W / H;
  const cover = Math.max(aspect / (W / H), W / H / aspect);
  // The picture's size on the canvas at scale 1 (fitted inside).
  const fitW = aspect >= W / H ? W : H * aspect;
  const fitH = fitW / aspect;
  const focus = p.focus ?? { x: 0.5, y: 0.5 };
  const pose = (zoom: number, aim: number) => {
    const scale = cover * zoom;
    const shownW = fitW * scale;
    const shownH = fitH * scale;
    const clampTo = (v: number, room: number) => Math.max(-room, Math.min(room, v));
    return {
      scale,
      x: clampTo(-(focus.x - 0.5) * shownW * aim, Math.max(0, (shownW - W) / 2)),
      y: clampTo(-(focus.y - 0.5) * shownH * aim, Math.max(0, (shownH - H) / 2))
    };
  };
  const wide = pose(1, 0.5);
  const close = pose(LISTING_CUT_ZOOM, 1);
  const [a, b] = p.move === 'in' ? [wide, close] : [close, wide];
  const keys = (k: 'scale' | 'x' | 'y') => [
    { t: 0, value: round(a[k]), easing: 'linear' as const },
    { t: seconds, value: round(b[k]), easing: 'linear' as const }
  ];
  return { scale: keys('scale'), x: keys('x'), y: keys('y') };
}

const round = (v: number) => Math.round(v * 1000) / 1000;
