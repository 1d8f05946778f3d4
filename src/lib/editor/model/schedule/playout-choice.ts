/**
 * The plan's choices, all pure and seeded from stable strings (ids, occurrence keys): the same inputs give the same
 * choice on every machine. Never Math.random.
 */
import type { PlaylistWeight } from './snapshot';

/** 32-bit FNV-1a with a murmur3 finaliser: well spread, and the same for the same string everywhere. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The items in a seeded order (a shuffle): sorted by the hash of seed and id, ties by id. */
export function seededShuffle<T>(items: readonly T[], seed: string, idOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, id: idOf(item), h: hash32(`${seed}|${idOf(item)}`) }));
  keyed.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.item);
}

const SCALE = 1000;

/**
 * Smooth weighted round-robin (as nginx balances upstreams): over any run of picks each playlist gets its share
 * within one pick, and picks of one playlist are spread out, not bunched. Its state is rebuilt from how often each
 * playlist was picked so far in this occurrence (so a restarted worker continues the same sequence), starting from
 * seeded offsets so occurrences do not all open with the same playlist. Integer arithmetic only.
 */
export function smoothWeightedNext(weights: readonly PlaylistWeight[], picked: ReadonlyMap<string, number>, seed: string): string {
  if (weights.length === 0) throw new Error('Nothing to choose from.');
  const total = weights.reduce((sum, w) => sum + w.weight * SCALE, 0);
  const rounds = weights.reduce((sum, w) => sum + (picked.get(w.playlistId) ?? 0), 0);
  let best: { id: string; current: number } | null = null;
  for (const w of weights) {
    const share = w.weight * SCALE;
    // After `rounds` steps every playlist gained rounds × share and each pick cost the picked one the total.
    const current = (hash32(`${seed}|${w.playlistId}`) % share) + (rounds + 1) * share - (picked.get(w.playlistId) ?? 0) * total;
    if (!best || current > best.current || (current === best.current && w.playlistId < best.id)) best = { id: w.playlistId, current };
  }
  return best!.id;
}
