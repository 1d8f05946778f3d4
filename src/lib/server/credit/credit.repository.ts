import type { Kysely, Transaction } from 'kysely';
import type { CreditEntryRow, Database, NewCreditEntry } from '../db/schema';
import type { DialectName } from '../db/database';

/** A ledger line to write: the account and the balance after it are filled in by `post`. */
export type CreditPosting = Omit<NewCreditEntry, 'user_id' | 'balance_after' | 'created_at'>;

export interface CreditEntryFilter {
  userId: string;
  /** Only this project's entries; grants (no project) too when `withGrants`. */
  projectId?: string;
  withGrants?: boolean;
  limit: number;
  /** Paging: entries with a smaller id. */
  before?: number;
}

/**
 * All SQL for credits. Every change to a balance runs in one transaction that first locks the account row
 * (PostgreSQL's FOR UPDATE; SQLite serialises writers, and our single connection runs one transaction at a time),
 * so two charges can never both spend the same credits.
 */
export class CreditRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName
  ) {}

  /** The account, created with its starting grant on first use. */
  async open(userId: string, startingCredits: number, now: number): Promise<number> {
    return this.db.transaction().execute(async (tx) => this.lock(tx, userId, startingCredits, now));
  }

  /**
   * Writes one entry and moves the balance. A negative amount is refused (undefined, with the balance) when it would
   * take the balance below zero.
   */
  async post(userId: string, startingCredits: number, e: CreditPosting, now: number): Promise<{ entry?: CreditEntryRow; balance: number }> {
    return this.db.transaction().execute(async (tx) => {
      const balance = await this.lock(tx, userId, startingCredits, now);
      if (balance + e.amount < 0) return { balance };
      const entry = await this.write(tx, userId, balance, e, now);
      return { entry, balance: entry.balance_after };
    });
  }

  /** Gives back the job's last charge unless it was already given back: at most one refund per charge. */
  async refundJob(jobId: string, e: Pick<CreditPosting, 'note' | 'actor_id'>, now: number): Promise<CreditEntryRow | undefined> {
    const charge = await this.lastCharge(jobId);
    if (!charge) return undefined;
    return this.db.transaction().execute(async (tx) => {
      const balance = await this.lock(tx, charge.user_id, 0, now);
      // Checked under the account's lock: a second refund racing this one waits, then finds it.
      const done = await tx.selectFrom('credit_entries').select('id').where('refund_of', '=', charge.id).executeTakeFirst();
      if (done) return undefined;
      return this.write(tx, charge.user_id, balance, {
        kind: 'refund',
        amount: -charge.amount,
        project_id: charge.project_id,
        job_id: jobId,
        job_type: charge.job_type,
        content_minutes: charge.content_minutes,
        credits_per_minute: charge.credits_per_minute,
        refund_of: charge.id,
        ...e
      }, now);
    });
  }

  /** The job's latest charge, with whether it has been refunded. */
  async lastCharge(jobId: string): Promise<(CreditEntryRow & { refunded: boolean }) | undefined> {
    const row = await this.db
      .selectFrom('credit_entries as c')
      .selectAll('c')
      .select((eb) => eb.exists(eb.selectFrom('credit_entries as r').select('r.id').whereRef('r.refund_of', '=', 'c.id')).as('refunded'))
      .where('c.job_id', '=', jobId)
      .where('c.kind', '=', 'charge')
      .orderBy('c.id', 'desc')
      .executeTakeFirst();
    return row && { ...row, refunded: Boolean(row.refunded) };
  }

  /** Newest first, each with the username of who caused it. */
  entries(f: CreditEntryFilter): Promise<(CreditEntryRow & { actor: string | null })[]> {
    let q = this.db
      .selectFrom('credit_entries as e')
      .leftJoin('users as u', 'u.id', 'e.actor_id')
      .selectAll('e')
      .select('u.username as actor')
      .where('e.user_id', '=', f.userId);
    const projectId = f.projectId;
    if (projectId !== undefined) q = q.where((eb) => (f.withGrants ? eb.or([eb('e.project_id', '=', projectId), eb('e.kind', '=', 'grant')]) : eb('e.project_id', '=', projectId)));
    if (f.before !== undefined) q = q.where('e.id', '<', f.before);
    return q.orderBy('e.id', 'desc').limit(f.limit).execute();
  }

  /** The sum of the account's entries (what `balance` must always equal). */
  async entrySum(userId: string): Promise<number> {
    const r = await this.db.selectFrom('credit_entries').select((eb) => eb.fn.sum<number | string | null>('amount').as('total')).where('user_id', '=', userId).executeTakeFirst();
    return Number(r?.total ?? 0);
  }

  priceOverrides(): Promise<{ job_type: string; credits_per_minute: number }[]> {
    return this.db.selectFrom('credit_prices').select(['job_type', 'credits_per_minute']).execute();
  }

  async setPrices(prices: Record<string, number>, updatedBy: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const [jobType, creditsPerMinute] of Object.entries(prices)) {
        await tx
          .insertInto('credit_prices')
          .values({ job_type: jobType, credits_per_minute: creditsPerMinute, updated_by: updatedBy, updated_at: now })
          .onConflict((oc) => oc.column('job_type').doUpdateSet({ credits_per_minute: creditsPerMinute, updated_by: updatedBy, updated_at: now }))
          .execute();
      }
    });
  }

  /** Creates the account if it is new (with its starting grant), locks it, and answers its balance. */
  private async lock(tx: Transaction<Database>, userId: string, startingCredits: number, now: number): Promise<number> {
    const created = await tx
      .insertInto('credit_accounts')
      .values({ user_id: userId, balance: startingCredits, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (created && startingCredits > 0) {
      await tx.insertInto('credit_entries').values({ user_id: userId, kind: 'grant', amount: startingCredits, balance_after: startingCredits, note: 'Starting credits', created_at: now }).execute();
    }
    let q = tx.selectFrom('credit_accounts').select('balance').where('user_id', '=', userId);
    if (this.dialect === 'postgres') q = q.forUpdate();
    return Number((await q.executeTakeFirstOrThrow()).balance);
  }

  private async write(tx: Transaction<Database>, userId: string, balance: number, e: CreditPosting, now: number): Promise<CreditEntryRow> {
    const after = balance + e.amount;
    await tx.updateTable('credit_accounts').set({ balance: after, updated_at: now }).where('user_id', '=', userId).execute();
    return tx.insertInto('credit_entries').values({ ...e, user_id: userId, balance_after: after, created_at: now }).returningAll().executeTakeFirstOrThrow();
  }
}
