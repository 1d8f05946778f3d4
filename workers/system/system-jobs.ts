import type { JobHandler } from '../worker-client';
import { PermanentJobError } from '../worker-client';

/** Returns its input: a diagnostic that exercises the queue end to end (and the queue benchmark). */
export const echoJob: JobHandler = async ({ job }) => ({ echo: job.input });

/** Waits `ms` (≤ 10 min) reporting progress, and can fail on purpose: a diagnostic for supervision and leases. */
export const sleepJob: JobHandler = async ({ job, signal, progress }) => {
  const input = (job.input ?? {}) as { ms?: unknown; failTimes?: unknown };
  const ms = Number(input.ms ?? 1000);
  if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new PermanentJobError('system.sleep takes { ms } between 0 and 600000.');
  if (typeof input.failTimes === 'number' && job.attempt <= input.failTimes) throw new Error(`failing attempt ${job.attempt} on purpose`);
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (signal.aborted) throw signal.reason;
    await new Promise((r) => setTimeout(r, Math.min(100, ms - (Date.now() - start))));
    progress(Math.min(1, (Date.now() - start) / Math.max(1, ms)), 'sleeping');
  }
  return { sleptMs: Date.now() - start, pid: process.pid };
};
