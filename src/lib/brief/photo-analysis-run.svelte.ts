import { apiJson, messageOf } from '$lib/api-client';
import { isFinished, type JobJson } from '$lib/job';
import type { PhotoAnalyzeResult } from '$lib/photo-analysis';

/** How often a running analysis is asked for its progress (ms). */
const POLL_MS = 1000;

/**
 * The board's "Analyze photos": queues `photo.analyze` jobs for the chosen brief photos (all when none are chosen)
 * and follows them to the end. The results arrive in the brief by themselves (the server writes them live); this
 * keeps the progress and the photos that could not be analysed.
 */
export class PhotoAnalysisRun {
  jobs = $state.raw<JobJson[]>([]);
  error = $state<string | null>(null);
  starting = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(readonly projectId: string) {}

  get running(): boolean {
    return this.starting || this.jobs.some((j) => !isFinished(j.status));
  }

  /** 0–1 over all the jobs of this run. */
  get progress(): number {
    if (this.jobs.length === 0) return 0;
    return this.jobs.reduce((sum, j) => sum + (isFinished(j.status) ? 1 : j.progress), 0) / this.jobs.length;
  }

  /** The photos analysed and those that failed, once jobs are done. */
  get outcome(): { analysed: number; failed: PhotoAnalyzeResult['failed']; jobErrors: string[] } {
    const results = this.jobs.filter((j) => j.status === 'succeeded').map((j) => j.result as PhotoAnalyzeResult);
    return {
      analysed: results.reduce((n, r) => n + r.photos.length, 0),
      failed: results.flatMap((r) => r.failed),
      jobErrors: this.jobs.filter((j) => j.status === 'failed' || j.status === 'canceled').map((j) => j.error ?? j.status)
    };
  }

  async start(photoIds: readonly string[]): Promise<void> {
    if (this.running) return;
    this.starting = true;
    this.error = null;
    try {
      const { jobs } = await apiJson<{ jobs: JobJson[] }>(`/api/projects/${this.projectId}/brief/analyze`, { method: 'POST', body: photoIds.length ? { photoIds } : {} });
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
