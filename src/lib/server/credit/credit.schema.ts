import { z } from 'zod';
import { CREDIT_MAX_PRICE, CREDIT_PRICED_TYPES } from '$lib/credits';

/** The most one grant may add (or take back): keeps balances far inside 2^53. */
export const CREDIT_MAX_GRANT = 1_000_000_000;

export const creditGrantSchema = z
  .object({
    username: z.string({ error: 'username is required' }).min(1, 'username is required').max(64, 'username is at most 64 characters'),
    amount: z
      .number({ error: 'amount must be a whole number of credits' })
      .int('amount must be a whole number of credits')
      .refine((n) => n !== 0, 'amount must not be 0')
      .refine((n) => Math.abs(n) <= CREDIT_MAX_GRANT, `amount must be between -${CREDIT_MAX_GRANT} and ${CREDIT_MAX_GRANT}`),
    note: z.string().max(200, 'note is at most 200 characters').optional()
  })
  .strict();

export const creditPricesSchema = z
  .object({
    prices: z
      .record(
        z.string(),
        z
          .number({ error: 'a price is a whole number of credits per minute' })
          .int('a price is a whole number of credits per minute')
          .min(0, 'a price is 0 or more')
          .max(CREDIT_MAX_PRICE, `a price is at most ${CREDIT_MAX_PRICE}`)
      )
      .refine((p) => Object.keys(p).length > 0, 'prices must name at least one job type')
      .refine((p) => Object.keys(p).every((t) => CREDIT_PRICED_TYPES.includes(t)), `job types with a price are ${CREDIT_PRICED_TYPES.join(', ')}`)
  })
  .strict();

export const creditPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional()
});
