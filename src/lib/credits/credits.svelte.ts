import { apiJson, messageOf } from '$lib/api-client';
import { creditCost, type CreditEntryJson, type ProjectCreditsJson } from '$lib/credits';

export const CREDIT_PAGE = 50;

/** A project's credits (its owner's balance, the prices, its charges and refunds), paged newest first. */
export class CreditsState {
  credits = $state.raw<ProjectCreditsJson | null>(null);
  entries = $state.raw<CreditEntryJson[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);

  constructor(
    readonly projectId: string,
    initial?: ProjectCreditsJson
  ) {
    if (initial) this.show(initial, false);
  }

  private show(page: ProjectCreditsJson, append: boolean) {
    this.credits = page;
    this.entries = append ? [...this.entries, ...page.entries] : page.entries;
  }

  /** The first page again (after a render spent credits, say). */
  reload(limit = CREDIT_PAGE): Promise<void> {
    return this.fetch(`?limit=${limit}`, false);
  }

  more(): Promise<void> {
    const before = this.credits?.nextBefore;
    return before ? this.fetch(`?limit=${CREDIT_PAGE}&before=${before}`, true) : Promise.resolve();
  }

  private async fetch(query: string, append: boolean): Promise<void> {
    this.loading = true;
    try {
      this.show(await apiJson<ProjectCreditsJson>(`/api/projects/${this.projectId}/credits${query}`), append);
      this.error = null;
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.loading = false;
    }
  }

  /** What a job of this type and length costs; null when credits are off or the type is free. */
  costOf(jobType: string, seconds: number): number | null {
    const price = this.credits?.enabled ? this.credits.prices.find((p) => p.jobType === jobType) : undefined;
    return price ? creditCost(price.creditsPerMinute, seconds) : null;
  }
}
