import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/** Fractional-index order keys: moving a record rewrites one string, never a Y.Array position. */
export type OrderKey = string;

export function keyBetween(before: OrderKey | null, after: OrderKey | null): OrderKey {
  return generateKeyBetween(before, after);
}

export function keysBetween(before: OrderKey | null, after: OrderKey | null, n: number): OrderKey[] {
  return generateNKeysBetween(before, after, n);
}

/** Sort by order key, ties (two offline peers picked the same key) broken by id so every replica agrees. */
export function compareOrder(a: { order: OrderKey; id: string }, b: { order: OrderKey; id: string }): number {
  return a.order < b.order ? -1 : a.order > b.order ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * `n` order keys for records placed at `index` among `list` (sorted, without the ones being placed), and the records
 * that need a new key first. Equal keys (two offline peers inserted at one spot) leave no room between them: then the
 * whole list is re-keyed.
 */
export function orderKeysAt(list: readonly { id: string; order: OrderKey }[], index: number, n: number): { keys: OrderKey[]; rekey: { id: string; order: OrderKey }[] } {
  const below = list[index - 1]?.order ?? null;
  const above = list[index]?.order ?? null;
  try {
    if (below === null || above === null || below < above) return { keys: keysBetween(below, above, n), rekey: [] };
  } catch {
    // A key a peer garbled: fall through to re-keying, which repairs it.
  }
  const all = keysBetween(null, null, list.length + n);
  const rekey = list.flatMap((r, i) => {
    const order = all[i < index ? i : i + n];
    return order === r.order ? [] : [{ id: r.id, order }];
  });
  return { keys: all.slice(index, index + n), rekey };
}

/** An index clamped into 0…length; undefined means the end. */
export const clampIndex = (index: number | undefined, length: number) => Math.max(0, Math.min(index ?? length, length));
