import { z } from 'zod';
import { JOB_STATUSES } from '$lib/job';

export const listJobsSchema = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional()
});

/** Job types people may start by hand through the API: diagnostics. Others come from features (uploads, renders). */
export const MANUAL_JOB_TYPES = ['system.echo', 'system.sleep'] as const;

export const enqueueJobSchema = z.object({
  type: z.enum(MANUAL_JOB_TYPES, { error: `type must be one of ${MANUAL_JOB_TYPES.join(', ')}` }),
  input: z.unknown().optional(),
  priority: z.number().int().min(-100).max(100).optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  idempotencyKey: z.string().min(1).max(200).optional()
});
