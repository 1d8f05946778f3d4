export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

/**
 * Delay before attempt `failedAttempts + 1`: exponential, capped, with "equal jitter" (half fixed, half random)
 * so retries of many jobs that failed together spread out but never come back sooner than half the step.
 */
export function backoffDelay(failedAttempts: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
