import type { z } from 'zod';
import { compareOrder } from '../order';
import { listingSchema } from './listing';
import { briefPhotoSchema } from './photo';
import type { BriefSnapshot } from './snapshot';

/**
 * Everything a sound brief satisfies, as readable problems (empty when sound): the listing and each photo valid, ids
 * unique, photos sorted (the hero is read by `heroId`). Tests run it on every replica's snapshot.
 */
export function validateBrief(s: BriefSnapshot): string[] {
  const problems: string[] = [];
  const check = (what: string, schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (!r.success) problems.push(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  };
  check('listing', listingSchema, s.listing);
  if (new Set(s.photos.map((p) => p.id)).size !== s.photos.length) problems.push('two photos share an id');
  s.photos.forEach((p, i) => {
    check(`photo ${p.id}`, briefPhotoSchema, p);
    if (i > 0 && compareOrder(s.photos[i - 1], p) >= 0) problems.push(`photo ${p.id} is out of order`);
  });
  return problems;
}
