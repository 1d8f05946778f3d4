import type { Easing, Keyframe, KeyframedProperty } from './snapshot';

export type Keyframes = Partial<Record<KeyframedProperty, Keyframe[]>>;

/** Progress (0..1) along a segment shaped by the easing of the keyframe it starts at; the render's curves (filter-graph.ts). */
export function ease(easing: Easing, p: number): number {
  switch (easing) {
    case 'linear':
      return p;
    case 'ease-in':
      return p * p;
    case 'ease-out':
      return 1 - (1 - p) * (1 - p);
    case 'ease-in-out':
      return p * p * (3 - 2 * p);
  }
}

/** The value at `t` (seconds from the clip's start): held before the first and after the last keyframe. */
export function valueAt(keys: readonly Keyframe[], t: number): number | undefined {
  if (keys.length === 0) return undefined;
  if (t <= keys[0].t) return keys[0].value;
  for (let i = 0; i < keys.length - 1; i++) {
    const [a, b] = [keys[i], keys[i + 1]];
    if (t <= b.t) return a.value + (b.value - a.value) * ease(a.easing, (t - a.t) / (b.t - a.t));
  }
  return keys[keys.length - 1].value;
}

/**
 * The keyframes of the part [from, to] of a clip, re-timed to start at 0. A boundary that cuts a segment gets a
 * keyframe with the value there, so a trim or split keeps the values at the cut (exact for linear segments, close for eased).
 */
export function cropKeyframes(keyframes: Keyframes, from: number, to: number): Keyframes {
  const out: Keyframes = {};
  for (const [prop, keys] of Object.entries(keyframes) as [KeyframedProperty, Keyframe[]][]) {
    if (!keys || keys.length === 0) continue;
    const inside = keys.filter((k) => k.t > from && k.t < to).map((k) => ({ ...k, t: k.t - from }));
    const first = keys.find((k) => k.t === from);
    const last = keys.find((k) => k.t === to);
    const start = first ?? { t: from, value: valueAt(keys, from)!, easing: segmentEasing(keys, from) };
    const end = last ?? { t: to, value: valueAt(keys, to)!, easing: 'linear' as Easing };
    // The part lies inside one held stretch: one keyframe says the same without inventing a second.
    const held = !first && !last && inside.length === 0 && start.value === end.value;
    out[prop] = held ? [{ ...start, t: 0 }] : [{ ...start, t: 0 }, ...inside, ...(to > from ? [{ ...end, t: to - from }] : [])];
  }
  return out;
}

/** Moves every keyframe by `dt` (a clip whose start moved while its picture stays put on the timeline). */
export function shiftKeyframes(keyframes: Keyframes, dt: number): Keyframes {
  const out: Keyframes = {};
  for (const [prop, keys] of Object.entries(keyframes) as [KeyframedProperty, Keyframe[]][]) {
    if (keys) out[prop] = keys.map((k) => ({ ...k, t: k.t + dt }));
  }
  return out;
}

/** Sorted, one keyframe per time, all inside [0, duration]: what a concurrent trim and keyframe edit can break. */
export function keyframesWithin(keyframes: Keyframes, duration: number, slack = 0): Keyframes {
  const sorted: Keyframes = {};
  for (const [prop, keys] of Object.entries(keyframes) as [KeyframedProperty, Keyframe[]][]) {
    if (!keys) continue;
    const byTime = new Map<number, Keyframe>();
    for (const k of [...keys].sort((a, b) => a.t - b.t)) byTime.set(k.t, k); // the later entry of a duplicate wins, the same on every replica
    sorted[prop] = [...byTime.values()];
  }
  const inRange = Object.values(sorted).every((keys) => keys.every((k) => k.t >= 0 && k.t <= duration + slack));
  return inRange ? sorted : cropKeyframes(sorted, 0, duration);
}

/** The easing of the segment that contains `t`, so a keyframe inserted there continues the same curve shape. */
function segmentEasing(keys: readonly Keyframe[], t: number): Easing {
  let easing: Easing = 'linear';
  for (const k of keys) if (k.t <= t) easing = k.easing;
  return easing;
}

