import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { apiJson, messageOf } from '$lib/api-client';
import { JOB_TYPE_LABELS, type JobJson } from '$lib/job';
import type { ProjectSocket } from '$lib/realtime/project-socket';
import { canEdit, type Role } from '$lib/editor/model/role';

export const RECENT_JOBS = 20;

export const jobLabel = (type: string) => JOB_TYPE_LABELS[type] ?? type;
export const canCancel = (job: JobJson) => job.status === 'queued' || job.status === 'running';
export const canRetry = (job: JobJson) => job.status === 'failed' || job.status === 'canceled';

/**
 * A project's recent jobs, kept live from socket.io `job` events (every change, progress included), with cancel and retry.
 * Browser only once attached; `initial` may come from the server.
 */
export class JobsState {
  jobs = $state.raw<JobJson[]>([]);
  loaded = $state(false);
  /** Loading the list failed. */
  error = $state<string | null>(null);
  /** Jobs with a cancel or retry request in flight. */
  readonly busy = new SvelteSet<string>();
  /** What the server answered when it refused a cancel or retry, by job. */
  readonly refusals = new SvelteMap<string, string>();

  /** Who is looking: owners and editors control every job, viewers only the ones they started. */
  viewer = $state<{ userId: string; role: Role } | null>(null);

  mayControl(job: JobJson): boolean {
    return !!this.viewer && (canEdit(this.viewer.role) || job.createdBy === this.viewer.userId);
  }

  private readonly stop: (() => void)[] = [];
  private destroyed = false;

  constructor(
    readonly projectId: string,
    initial?: JobJson[],
    readonly limit = RECENT_JOBS
  ) {
    if (initial) {
      this.jobs = this.ordered(initial);
      this.loaded = true;
    }
  }

  /** Follows `job` events; on every (re)connect the list is loaded again, since events may have been missed. */
  attach(socket: ProjectSocket): void {
    const onJob = (job: JobJson) => job.projectId === this.projectId && this.apply(job);
    let connects = 0;
    const onConnect = () => {
      // The first connect follows the server's list (when given); later ones follow an outage.
      if (connects++ > 0 || !this.loaded) void this.refresh();
    };
    socket.on('job', onJob);
    socket.on('connect', onConnect);
    if (socket.connected) onConnect();
    this.stop.push(() => {
      socket.off('job', onJob);
      socket.off('connect', onConnect);
    });
  }

  /** The job as last seen, if it is among the recent ones. */
  get(id: string | null | undefined): JobJson | undefined {
    return id ? this.jobs.find((j) => j.id === id) : undefined;
  }

  apply(job: JobJson): void {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) {
      // Events and answers can cross: never go back to an older state of the same job.
      if (this.jobs[i]!.updatedAt > job.updatedAt) return;
      const next = [...this.jobs];
      next[i] = job;
      this.jobs = next;
    } else {
      this.jobs = this.ordered([job, ...this.jobs]);
    }
  }

  private ordered(list: JobJson[]): JobJson[] {
    const sorted = [...list].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    // Unfinished jobs stay listed even when many newer ones arrive; finished ones beyond the limit drop off.
    return sorted.filter((j, i) => i < this.limit || j.status === 'queued' || j.status === 'running');
  }

  async refresh(): Promise<void> {
    try {
      const { jobs } = await apiJson<{ jobs: JobJson[] }>(`/api/projects/${this.projectId}/jobs?limit=${this.limit}`);
      if (this.destroyed) return;
      // Keep copies that are newer than the list (an event that overtook the request).
      const mine = new Map(this.jobs.map((j) => [j.id, j]));
      this.jobs = this.ordered(jobs.map((j) => {
        const seen = mine.get(j.id);
        return seen && seen.updatedAt > j.updatedAt ? seen : j;
      }));
      this.error = null;
    } catch (e) {
      if (!this.destroyed) this.error = `Jobs could not be loaded: ${messageOf(e)}`;
    } finally {
      this.loaded = true;
    }
  }

  cancel(id: string): Promise<void> {
    return this.act(id, 'cancel');
  }

  retry(id: string): Promise<void> {
    return this.act(id, 'retry');
  }

  private async act(id: string, action: 'cancel' | 'retry'): Promise<void> {
    if (this.busy.has(id)) return;
    this.busy.add(id);
    this.refusals.delete(id);
    try {
      this.apply(await apiJson<JobJson>(`/api/jobs/${id}/${action}`, { method: 'POST' }));
    } catch (e) {
      this.refusals.set(id, messageOf(e));
    } finally {
      this.busy.delete(id);
    }
  }

  dismissRefusal(id: string): void {
    this.refusals.delete(id);
  }

  destroy(): void {
    this.destroyed = true;
    for (const fn of this.stop) fn();
  }
}
