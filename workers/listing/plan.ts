/**
 * The cut of a listing video in frames: where each card and photo starts and ends, cuts put on beats, and the Ken
 * Burns view of each photo frame by frame. Pure: the render and the timeline writer both follow it.
 */

export interface CutPlan {
  fps: number;
  /** Frames of each transition's half: a crossfade runs from cut − half to cut + half. */
  half: number;
  /** Frame of each cut (between item i and i+1). */
  cuts: number[];
  /** Total frames. */
  frames: number;
  /** Each item's visible span [start, end) in frames, transitions included. */
  spans: { start: number; end: number }[];
}

/** Beats (s) too close to the previous cut to hold a photo are skipped; past the music's last beat the tempo goes on. */
export function planCuts(targets: number[], beats: number[], fps: number, halfSeconds = 0.2): CutPlan {
  if (!targets.length) throw new Error('nothing to cut');
  const shortest = Math.min(...targets);
  const half = Math.max(1, Math.min(Math.round(halfSeconds * fps), Math.floor((shortest * fps) / 4)));
  const minGap = 2 * half + 2;
  const sorted = [...beats].filter((b) => Number.isFinite(b) && b > 0).sort((a, b) => a - b);
  const interval = beatInterval(sorted);
  const beatAt = (i: number) => (i < sorted.length ? sorted[i]! : sorted[sorted.length - 1]! + (i - sorted.length + 1) * interval!);
  const cuts: number[] = [];
  let prev = 0;
  let beat = 0;
  for (let i = 0; i < targets.length - 1; i++) {
    const want = prev + targets[i]! * fps;
    let cut = Math.round(want);
    if (interval) {
      // The beat nearest the wanted length, at least a photo's minimum after the previous cut.
      while (Math.round(beatAt(beat) * fps) < prev + minGap) beat++;
      while (Math.abs(beatAt(beat + 1) * fps - want) < Math.abs(beatAt(beat) * fps - want)) beat++;
      cut = Math.round(beatAt(beat) * fps);
      beat++;
    }
    cut = Math.max(cut, prev + minGap);
    cuts.push(cut);
    prev = cut;
  }
  const frames = prev + Math.max(minGap, Math.round(targets[targets.length - 1]! * fps));
  const spans = targets.map((_, i) => ({ start: i === 0 ? 0 : cuts[i - 1]! - half, end: i === targets.length - 1 ? frames : cuts[i]! + half }));
  return { fps, half, cuts, frames, spans };
}

/** The median gap between beats, or null without a usable beat track. */
export function beatInterval(beats: number[]): number | null {
  if (beats.length < 2) return null;
  const gaps = beats.slice(1).map((b, i) => b - beats[i]!).sort((a, b) => a - b);
  const median = gaps[gaps.length >> 1]!;
  return median > 0.05 ? median : null;
}

export type Move = 'in' | 'out';
/** How far a move zooms: the still is pre-scaled this much larger than the frame, so no frame is upsampled. */
export const KEN_BURNS_ZOOM = 1.15;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The part of a photo (width × height) a frame of aspect `aspect` shows at zoom 1: the largest such rectangle, centred
 * on the focus as far as the photo allows (smart crop: a tall reel keeps the focus in the picture).
 */
export function baseCrop(width: number, height: number, aspect: number, focus: { x: number; y: number }): Rect {
  const w = Math.min(width, height * aspect);
  const h = w / aspect;
  return { x: clamp(focus.x * width - w / 2, 0, width - w), y: clamp(focus.y * height - h / 2, 0, height - h), w, h };
}

/**
 * The view at progress p (0–1) in a still of size (sw, sh) that is the base crop pre-scaled: zooming in goes from the
 * whole still to 1/KEN_BURNS_ZOOM of it around the focus (relative to the still), zooming out the other way.
 */
export function kenBurnsView(sw: number, sh: number, focus: { x: number; y: number }, move: Move, p: number): Rect {
  const e = p * p * (3 - 2 * p) * 0.35 + p * 0.65; // mostly linear: a steady drift that eases a little at its ends
  const t = move === 'in' ? e : 1 - e;
  const z = 1 + (KEN_BURNS_ZOOM - 1) * t;
  const w = sw / z;
  const h = sh / z;
  const cx = sw / 2 + (focus.x * sw - sw / 2) * t;
  const cy = sh / 2 + (focus.y * sh - sh / 2) * t;
  return { x: clamp(cx - w / 2, 0, sw - w), y: clamp(cy - h / 2, 0, sh - h), w, h };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
