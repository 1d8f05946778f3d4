import { apiJson, messageOf } from '$lib/api-client';
import { isFinished, type JobJson } from '$lib/job';
import type { PhotoAnalyzeResult } from '$lib/photo-analysis';

/** How often a running analysis is asked for its progress (ms). */
const POLL_MS = 1000;

/**
 * The board's "Analyze photos" (`photo.analyze` jobs for the chosen brief photos, all when none are chosen) or
 * "Enhance" (`photo.enhance`, one job a photo), followed to the end. The results arrive in the brief by themselves
 * (the server writes them live); this keeps the progress and what could not be done.
 */
export class BriefJobRun {
  jobs = $state.raw<JobJson[]>([]);
  error = $state<string | null>(null);
  starting = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(
    readonly projectId: string,
    readonly action: 'analyze' | 'enhance'
  ) {}

  get running(): boolean {
    return this.starting || this.jobs.some((j) => !isFinished(j.status));
  }

  /** 0–1 over all the jobs of this run. */
  get progress(): number {
    if (this.jobs.length === 0) return 0;
    return this.jobs.reduce((sum, j) => sum + (isFinished(j.status) ? 1 : j.progress), 0) / this.jobs.length;
  }

  /** The photos done and those that failed, once jobs are done (an enhance job is one photo). */
  get outcome(): { done: number; failed: PhotoAnalyzeResult['failed']; jobErrors: string[] } {
    const results = this.jobs.filter((j) => j.status === 'succeeded').map((j) => j.result as Partial<PhotoAnalyzeResult>);
    return {
      done: results.reduce((n, r) => n + (r.photos?.length ?? 1), 0),
      failed: results.flatMap((r) => r.failed ?? []),
      jobErrors: this.jobs.filter((j) => j.status === 'failed' || j.status === 'canceled').map((j) => j.error ?? j.status)
    };
  }

  async start(photoIds: readonly string[]): Promise<void> {
    if (this.running) return;
    this.starting = true;
    this.error = null;
    try {
      const { jobs } = await apiJson<{ jobs: JobJson[] }>(`/api/projects/${this.projectId}/brief/${this.action}`, { method: 'POST', body: photoIds.length ? { photoIds } : {} });
      this.jobs = jobs;
      this.poll();
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.starting = false;
    }
  }

  private poll(): void {
    clearTimeout(this.#timer);
    if (this.#destroyed || !this.running) return;
    this.#timer = setTimeout(async () => {
      try {
        this.jobs = await Promise.all(this.jobs.map((j) => (isFinished(j.status) ? j : apiJson<JobJson>(`/api/jobs/${j.id}`))));
      } catch (e) {
        this.error = messageOf(e);
      }
      this.poll();
    }, POLL_MS);
  }

  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#timer);
  }
}
