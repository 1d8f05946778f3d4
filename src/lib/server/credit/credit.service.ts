import { canManage } from '$lib/editor/model/role';
import { CREDIT_DEFAULT_PRICES, CREDIT_PRICED_TYPES, creditCost, type CreditEntryJson, type CreditPriceJson, type ProjectCreditsJson } from '$lib/credits';
import { JOB_TYPE_LABELS, type JobJson } from '$lib/job';
import type { UserRepository } from '../auth/user.repository';
import type { CreditEntryRow, UserRow } from '../db/schema';
import { ApiError, badRequest, conflict, forbidden } from '../http/api-error';
import type { JobCredits } from '../job/job.service';
import type { ProjectService } from '../project/project.service';
import type { CreditRepository } from './credit.repository';

export interface CreditConfig {
  /** CREDITS=off: nothing is charged. */
  enabled: boolean;
  /** Credits a new account starts with (CREDITS_START). */
  startingCredits: number;
}

const toEntry = (r: CreditEntryRow & { actor?: string | null }): CreditEntryJson => ({
  id: Number(r.id),
  kind: r.kind,
  amount: Number(r.amount),
  balanceAfter: Number(r.balance_after),
  projectId: r.project_id,
  jobId: r.job_id,
  jobType: r.job_type,
  contentMinutes: r.content_minutes,
  creditsPerMinute: r.credits_per_minute,
  refundOf: r.refund_of === null ? null : Number(r.refund_of),
  actor: r.actor ?? null,
  note: r.note,
  createdAt: Number(r.created_at)
});

const minutes = (seconds: number) => Math.round((seconds / 60) * 100) / 100;

/**
 * The credit ledger: a project's priced jobs are paid for up front from its owner's account, and given back when they
 * fail for good or are canceled before they ran. The instance's operator (its first account) grants credits and sets
 * prices.
 */
export class CreditService implements JobCredits {
  constructor(
    private readonly ledger: CreditRepository,
    private readonly projects: ProjectService,
    private readonly users: UserRepository,
    readonly config: CreditConfig,
    private readonly now: () => number = Date.now
  ) {}

  async prices(): Promise<CreditPriceJson[]> {
    const overrides = new Map((await this.ledger.priceOverrides()).map((r) => [r.job_type, Number(r.credits_per_minute)]));
    return CREDIT_PRICED_TYPES.map((jobType) => {
      const creditsPerMinute = overrides.get(jobType) ?? CREDIT_DEFAULT_PRICES[jobType];
      return { jobType, creditsPerMinute, isDefault: creditsPerMinute === CREDIT_DEFAULT_PRICES[jobType] };
    });
  }

  private async priceOf(jobType: string): Promise<number | undefined> {
    return (await this.prices()).find((p) => p.jobType === jobType)?.creditsPerMinute;
  }

  private async ownerOf(projectId: string) {
    const owner = (await this.projects.membersOf(projectId)).find((m) => m.role === 'owner');
    if (!owner) throw new Error(`project ${projectId} has no owner`);
    return owner;
  }

  async isOperator(user: UserRow): Promise<boolean> {
    return (await this.users.first())?.id === user.id;
  }

  private async requireOperator(user: UserRow): Promise<void> {
    if (!(await this.isOperator(user))) throw forbidden('Only the instance operator (its first account) can grant credits and set prices.');
  }

  // ---- jobs (JobCredits) ----

  async charge(job: { id: string; projectId: string; type: string; createdBy: string | null }, contentSeconds: number | undefined): Promise<void> {
    if (!this.config.enabled || !CREDIT_PRICED_TYPES.includes(job.type)) return;
    const price = await this.priceOf(job.type);
    if (price === undefined) return;
    // A priced job type that does not say how long its content is would run for free: a bug in its service.
    if (contentSeconds === undefined || !Number.isFinite(contentSeconds) || contentSeconds < 0) throw new Error(`${job.type} jobs are priced: enqueue them with contentSeconds`);
    const cost = creditCost(price, contentSeconds);
    if (cost === 0) return;
    const owner = await this.ownerOf(job.projectId);
    const { entry, balance } = await this.ledger.post(owner.userId, this.config.startingCredits, {
      kind: 'charge',
      amount: -cost,
      project_id: job.projectId,
      job_id: job.id,
      job_type: job.type,
      content_minutes: minutes(contentSeconds),
      credits_per_minute: price,
      actor_id: job.createdBy
    }, this.now());
    if (entry) return;
    const what = JOB_TYPE_LABELS[job.type] ?? job.type;
    const operator = (await this.users.first())?.username ?? 'the operator';
    throw new ApiError(
      402,
      'insufficient_credits',
      `${what} costs ${cost} credits (${minutes(contentSeconds)} min at ${price} a minute), but ${owner.username}'s balance is ${balance}. ` +
        `Ask the studio's operator (${operator}) to grant credits, or work on less content.`
    );
  }

  async recharge(job: JobJson, actorId: string): Promise<boolean> {
    const last = await this.ledger.lastCharge(job.id);
    // Each run pays: the last charge was either given back (failed, or canceled before it ran) or spent.
    if (!this.config.enabled || !last) return false;
    const seconds = (last.content_minutes ?? 0) * 60;
    await this.charge({ id: job.id, projectId: job.projectId, type: job.type, createdBy: actorId }, seconds);
    return true;
  }

  async refund(job: { id: string; type: string }, reason: string): Promise<void> {
    // Free job types are never charged: no ledger lookup for every failed upload.
    if (!CREDIT_PRICED_TYPES.includes(job.type)) return;
    await this.ledger.refundJob(job.id, { note: reason.slice(0, 200), actor_id: null }, this.now());
  }

  // ---- people ----

  async forProject(user: UserRow, projectId: string, page: { limit: number; before?: number }): Promise<ProjectCreditsJson> {
    const role = await this.projects.requireRole(user.id, projectId);
    const owner = await this.ownerOf(projectId);
    const balance = await this.ledger.open(owner.userId, this.config.startingCredits, this.now());
    // Members see what this project spent; the owner also sees the grants to their account.
    const rows = await this.ledger.entries({ userId: owner.userId, projectId, withGrants: canManage(role), limit: page.limit + 1, before: page.before });
    const entries = rows.slice(0, page.limit).map(toEntry);
    return {
      enabled: this.config.enabled,
      owner: owner.username,
      balance,
      prices: await this.prices(),
      entries,
      nextBefore: rows.length > page.limit ? entries[entries.length - 1].id : null,
      operator: await this.isOperator(user)
    };
  }

  /** Adds credits to a user's account (a negative amount takes them back, never below zero). */
  async grant(user: UserRow, g: { username: string; amount: number; note?: string }): Promise<{ username: string; balance: number; entry: CreditEntryJson }> {
    await this.requireOperator(user);
    if (!this.config.enabled) throw conflict('Credits are off on this instance (CREDITS=off): there is nothing to grant.', 'credits_off');
    const to = await this.users.findByUsername(g.username);
    if (!to) throw badRequest(`No user is called "${g.username}".`, 'unknown_user');
    const { entry, balance } = await this.ledger.post(to.id, this.config.startingCredits, { kind: 'grant', amount: g.amount, actor_id: user.id, note: g.note ?? null }, this.now());
    if (!entry) throw conflict(`${to.username}'s balance is ${balance}: taking back ${-g.amount} would go below zero.`, 'insufficient_credits');
    return { username: to.username, balance, entry: toEntry({ ...entry, actor: user.username }) };
  }

  /** The settings page: who the operator is, whether it is the caller, the prices. */
  async overview(user: UserRow): Promise<{ enabled: boolean; operator: string | null; isOperator: boolean; startingCredits: number; prices: CreditPriceJson[] }> {
    const operator = await this.users.first();
    return { enabled: this.config.enabled, operator: operator?.username ?? null, isOperator: operator?.id === user.id, startingCredits: this.config.startingCredits, prices: await this.prices() };
  }

  async operatorPrices(user: UserRow): Promise<CreditPriceJson[]> {
    await this.requireOperator(user);
    return this.prices();
  }

  async setPrices(user: UserRow, prices: Record<string, number>): Promise<CreditPriceJson[]> {
    await this.requireOperator(user);
    await this.ledger.setPrices(prices, user.id, this.now());
    return this.prices();
  }

  /** For tests and audits: the account's balance equals the sum of its entries. */
  async audit(userId: string): Promise<{ balance: number; entrySum: number }> {
    return { balance: await this.ledger.open(userId, this.config.startingCredits, this.now()), entrySum: await this.ledger.entrySum(userId) };
  }
}
