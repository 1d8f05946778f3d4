import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { apiJson, messageOf } from '$lib/api-client';
import type { JobJson } from '$lib/job';
import type { JobsState } from '$lib/jobs/jobs.svelte';
import { toolJobType, type ToolName } from '$lib/tool';

const key = (assetId: string, tool: ToolName) => `${assetId}:${tool}`;

/** Starting media tools from the library; their runs are jobs, followed live by the project's JobsState. */
export class ToolsState {
  /** Tool starts in flight, by asset and tool. */
  readonly starting = new SvelteSet<string>();
  /** What the server answered when it refused a start, by asset and tool. */
  readonly refusals = new SvelteMap<string, string>();

  constructor(private readonly jobs: JobsState) {}

  /** The newest run of `tool` on the asset among the project's recent jobs. */
  latest(assetId: string, tool: ToolName): JobJson | undefined {
    const type = toolJobType(tool);
    return this.jobs.jobs.find((j) => j.type === type && (j.input as { assetId?: string } | null)?.assetId === assetId);
  }

  isStarting(assetId: string, tool: ToolName): boolean {
    return this.starting.has(key(assetId, tool));
  }

  refusal(assetId: string, tool: ToolName): string | undefined {
    return this.refusals.get(key(assetId, tool));
  }

  async start(assetId: string, tool: ToolName, options: Record<string, unknown> = {}): Promise<void> {
    const k = key(assetId, tool);
    if (this.starting.has(k)) return;
    this.starting.add(k);
    this.refusals.delete(k);
    try {
      this.jobs.apply(await apiJson<JobJson>(`/api/assets/${assetId}/tools/${tool}`, { method: 'POST', body: options }));
    } catch (e) {
      this.refusals.set(k, messageOf(e));
    } finally {
      this.starting.delete(k);
    }
  }
}
