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
