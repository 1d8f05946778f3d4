import { compareOrder } from '../order';
import type { BriefSnapshot } from './snapshot';

/**
 * Sorts the photos the same on every replica: by order key, equal keys (photos added offline at one spot) by id.
 * Every record is already valid on its own (the schema read it), and no rule spans two photos except the hero's.
 */
export function normalizeBrief(input: BriefSnapshot): BriefSnapshot {
  return { listing: input.listing, photos: [...input.photos].sort(compareOrder) };
}

/**
 * The one rule about heroes: the hero is the first flagged photo in the brief's order. Two people who each made a
 * different photo the hero at once both keep their flag stored (so each can undo theirs), and every replica shows the
 * same one; the next "make hero" clears every other flag.
 */
export function heroId(s: BriefSnapshot): string | null {
  return s.photos.find((p) => p.hero)?.id ?? null;
}
