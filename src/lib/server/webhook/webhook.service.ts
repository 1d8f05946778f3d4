import { createHmac, randomBytes } from 'node:crypto';
import { isId, newId } from '$lib/editor/model/ids';
import { canEdit } from '$lib/editor/model/role';
import type { JobJson } from '$lib/job';
import type { ChannelRow, UserRow, WebhookDeliveryRow, WebhookRow } from '../db/schema';
import { badRequest, forbidden, notFound } from '../http/api-error';
import { privateHostRefusal } from '../http/private-address';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import type { ChannelService } from '../channel/channel.service';
import type { WebhookRepository } from './webhook.repository';
import type { JobWebhookEvent, WebhookEventName } from '$lib/webhook';
import type { CreateWebhookInput, UpdateWebhookInput, WebhookDeliveryView, WebhookView } from './webhook.schema';

/** What became of one delivery attempt, for metrics; `callback`: an API request's callbackUrl rather than a project webhook. */
export type DeliveryOutcome = { outcome: 'delivered' | 'failed' | 'retrying'; callback: boolean };

export interface WebhookOptions {
  allowPrivate: boolean;
  maxAttempts: number;
  backoffBaseMs: number;
  timeoutMs: number;
  /** How often the delivery loop looks for due retries. */
  pollMs?: number;
}

/** Stripe-style signature: hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

type DueDelivery = WebhookDeliveryRow & { url: string; secret: string; job_id: string | null };

/**
 * Webhooks: owners manage a project's endpoints; events become rows of webhook_deliveries that a loop in each web
 * process claims (one claim per delivery across processes) and POSTs, signed, retrying network errors, 5xx and 429 with exponential backoff. A table rather than the job queue:
 * jobs run on workers, which may be absent, while a delivery is one HTTP call the web process can make itself.
 */
export class WebhookService {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private again = false;
  private readonly outcomeListeners = new Set<(o: DeliveryOutcome) => void>();

  constructor(
    private readonly repo: WebhookRepository,
    private readonly projects: ProjectService,
    private readonly channels: ChannelService,
    private readonly options: WebhookOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  onOutcome(fn: (o: DeliveryOutcome) => void): () => void {
    this.outcomeListeners.add(fn);
    return () => this.outcomeListeners.delete(fn);
  }

  // ---- management (owners) ----

  private async ownerOf(user: UserRow, projectId: string): Promise<void> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (role !== 'owner') throw forbidden('Only the project owner manages webhooks.');
  }

  private async manageable(user: UserRow, webhookId: string): Promise<WebhookRow> {
    const hook = isId(webhookId) ? await this.repo.findById(webhookId) : undefined;
    // Unknown, a request's callback, or not a member: the same 404, so ids cannot be probed.
    if (!hook || hook.job_id !== null || !(await this.projects.roleOf(user.id, hook.project_id))) throw notFound('No such webhook.');
    await this.ownerOf(user, hook.project_id);
    return hook;
  }

  async list(user: UserRow, projectId: string): Promise<WebhookView[]> {
    await this.ownerOf(user, projectId);
    return (await this.repo.listByProject(projectId)).map(toView);
  }

  async create(user: UserRow, projectId: string, input: CreateWebhookInput): Promise<WebhookView> {
    await this.ownerOf(user, projectId);
    await this.checkChannel(projectId, input.channelId);
    await this.checkTarget(input.url);
    const t = this.now();
    const row: WebhookRow = {
      id: newId(),
      project_id: projectId,
      channel_id: input.channelId,
      url: input.url,
      events: JSON.stringify(input.events),
      secret: `whsec_${randomBytes(24).toString('base64url')}`,
      enabled: input.enabled ? 1 : 0,
      created_by: user.id,
      created_at: t,
      updated_at: t,
      job_id: null
    };
    await this.repo.create(row);
    return { ...toView(row), secret: row.secret };
  }

  async update(user: UserRow, webhookId: string, patch: UpdateWebhookInput): Promise<WebhookView> {
    const hook = await this.manageable(user, webhookId);
    const set: Partial<WebhookRow> = { updated_at: this.now() };
    if (patch.url !== undefined) {
      await this.checkTarget(patch.url);
      set.url = patch.url;
    }
    if (patch.events !== undefined) set.events = JSON.stringify(patch.events);
    if (patch.channelId !== undefined) {
      await this.checkChannel(hook.project_id, patch.channelId);
      set.channel_id = patch.channelId;
    }
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    await this.repo.update(webhookId, set);
    return toView({ ...hook, ...set });
  }

  async delete(user: UserRow, webhookId: string): Promise<void> {
    await this.manageable(user, webhookId);
    await this.repo.delete(webhookId);
  }

  async deliveries(user: UserRow, webhookId: string): Promise<WebhookDeliveryView[]> {
    await this.manageable(user, webhookId);
    return (await this.repo.deliveries(webhookId)).map(deliveryView);
  }

  /** Queues a `ping` to this webhook (whatever its events) and returns the delivery. */
  async ping(user: UserRow, webhookId: string): Promise<WebhookDeliveryView> {
    const hook = await this.manageable(user, webhookId);
    const row = await this.enqueue(hook, 'ping', null, { message: 'Hello from airstudio: this endpoint receives its webhooks.' });
    return deliveryView(row);
  }

  /** The delivery log of the project's API request callbacks (owners and editors, who manage API keys). */
  async callbackDeliveries(user: UserRow, projectId: string): Promise<WebhookDeliveryView[]> {
    if (!canEdit(await this.projects.requireRole(user.id, projectId))) throw forbidden('Only owners and editors see the API request callbacks.');
    return (await this.repo.callbackDeliveries(projectId, 100)).map((d) => ({ ...deliveryView(d), url: d.url, jobId: d.job_id ?? undefined }));
  }

  /** Refuses a callback URL as a webhook URL is refused: a 400 that says why. */
  async checkCallbackUrl(url: string): Promise<void> {
    await this.checkTarget(url);
  }

  /** Makes `url` receive the job events of this one job, signed with `secret` (an API key's signing secret). */
  async addCallback(projectId: string, jobId: string, url: string, secret: string): Promise<void> {
    const t = this.now();
    await this.repo.create({
      id: newId(),
      project_id: projectId,
      channel_id: null,
      url,
      events: JSON.stringify(['job.progress', 'job.completed', 'job.failed']),
      secret,
      enabled: 1,
      created_by: null,
      created_at: t,
      updated_at: t,
      job_id: jobId
    });
  }

  /** Sends a job event to the project's webhooks that subscribed and to the job's own callbacks (errors are logged). */
  async dispatchJob(event: JobWebhookEvent, job: JobJson, data: Record<string, unknown>): Promise<void> {
    try {
      const hooks = (await this.repo.forJob(job.projectId, job.id)).filter((h) => (JSON.parse(h.events) as string[]).includes(event));
      for (const hook of hooks) await this.enqueue(hook, event, null, data);
    } catch (e) {
      this.logger.error({ err: e, event, jobId: job.id }, 'queuing job webhooks failed');
    }
  }

  private async checkChannel(projectId: string, channelId: string | null): Promise<void> {
    if (channelId === null) return;
    const channel = await this.channels.findById(channelId);
    if (!channel || channel.project_id !== projectId) throw badRequest('channelId is not a channel of this project.', 'invalid_input');
  }

  /** Refuses URLs whose host is, or resolves to, a loopback or private address (unless allowed). */
  private async checkTarget(url: string): Promise<void> {
    const refusal = await this.targetRefusal(url);
    if (refusal) throw badRequest(refusal, 'private_address');
  }

  private async targetRefusal(url: string): Promise<string | null> {
    if (this.options.allowPrivate) return null;
    const refused = await privateHostRefusal(url);
    if (!refused) return null;
    if (refused.reason === 'unresolvable') return `The host ${refused.host} does not resolve.`;
    return `${refused.host} is a loopback or private address: webhooks go to public hosts (set WEBHOOK_ALLOW_PRIVATE=1 to allow private ones).`;
  }

  // ---- events ----

  /** Sends `event` about `channel` to every enabled webhook of its project that subscribed (errors are logged). */
  async dispatch(event: WebhookEventName, channel: Pick<ChannelRow, 'id' | 'project_id' | 'slug' | 'name'>, data: Record<string, unknown>): Promise<void> {
    try {
      const hooks = (await this.repo.forChannel(channel.project_id, channel.id)).filter((h) => (JSON.parse(h.events) as string[]).includes(event));
      for (const hook of hooks) await this.enqueue(hook, event, { id: channel.id, slug: channel.slug, name: channel.name }, data);
    } catch (e) {
      this.logger.error({ err: e, event, channelId: channel.id }, 'queuing webhooks failed');
    }
  }

  private async enqueue(hook: WebhookRow, event: string, channel: { id: string; slug: string; name: string } | null, data: Record<string, unknown>): Promise<WebhookDeliveryRow> {
    const t = this.now();
    const id = newId();
    const body = JSON.stringify({ id, event, occurredAt: new Date(t).toISOString(), channel, data });
    const row: WebhookDeliveryRow = { id, webhook_id: hook.id, event, body, status: 'pending', attempts: 0, next_attempt_at: t, response_code: null, error: null, created_at: t, updated_at: t };
    await this.repo.addDelivery(row);
    this.kick();
    return row;
  }

  /** Runs the due deliveries now (a run in progress runs once more after). */
  kick(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void (async () => {
      try {
        do {
          this.again = false;
          const now = this.now();
          // Taken for the longest an attempt can last: web processes sharing the database each send a delivery once.
          const due = await this.repo.claimDue(now, now + this.claimMs, 20);
          await Promise.all(due.map((d) => this.attempt(d)));
          if (due.length === 20) this.again = true;
        } while (this.again);
      } catch (e) {
        this.logger.error({ err: e }, 'webhook delivery loop failed');
      } finally {
        this.busy = false;
      }
    })();
  }

  private async attempt(d: DueDelivery): Promise<void> {
    const attempts = d.attempts + 1;
    const refusal = await this.targetRefusal(d.url);
    if (refusal) return this.finish(d, attempts, 'failed', null, refusal);
    const t = Math.floor(this.now() / 1000);
    let code: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'airstudio-webhooks',
          'x-airstudio-event': d.event,
          'x-airstudio-delivery': d.id,
          'x-airstudio-signature': `t=${t},v1=${signPayload(d.secret, t, d.body)}`
        },
        body: d.body
      });
      code = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return this.finish(d, attempts, 'delivered', code, null);
      error = `HTTP ${code}`;
      // Other 4xx (and redirects) are the receiver's final word.
      if (code !== 429 && code < 500) return this.finish(d, attempts, 'failed', code, error);
    } catch (e) {
      error = (e as Error).name === 'TimeoutError' ? `No answer within ${this.options.timeoutMs} ms.` : `Network error: ${(e as Error).message}`;
    }
    if (attempts >= this.options.maxAttempts) return this.finish(d, attempts, 'failed', code, `${error} (gave up after ${attempts} attempts)`);
    const wait = Math.min(6 * 3600_000, this.options.backoffBaseMs * 2 ** (attempts - 1));
    if (await this.repo.updateDelivery(d.id, d.next_attempt_at!, { attempts, response_code: code, error, next_attempt_at: this.now() + wait, updated_at: this.now() })) {
      this.report({ outcome: 'retrying', callback: d.job_id !== null });
    }
  }

  private async finish(d: DueDelivery, attempts: number, status: 'delivered' | 'failed', code: number | null, error: string | null): Promise<void> {
    if (await this.repo.updateDelivery(d.id, d.next_attempt_at!, { attempts, status, response_code: code, error, next_attempt_at: null, updated_at: this.now() })) {
      this.report({ outcome: status, callback: d.job_id !== null });
    }
  }

  /** How long a claimed delivery is ours: its target check and its request, with room to spare. */
  private get claimMs(): number {
    return 2 * this.options.timeoutMs + 10_000;
  }

  private report(o: DeliveryOutcome): void {
    for (const fn of this.outcomeListeners) fn(o);
  }
}

function toView(h: WebhookRow): WebhookView {
  return {
    id: h.id,
    projectId: h.project_id,
    channelId: h.channel_id,
    url: h.url,
    events: JSON.parse(h.events) as WebhookEventName[],
    enabled: h.enabled === 1,
    createdAt: new Date(Number(h.created_at)).toISOString(),
    updatedAt: new Date(Number(h.updated_at)).toISOString()
  };
}

function deliveryView(d: WebhookDeliveryRow): WebhookDeliveryView {
  const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    responseCode: d.response_code,
    error: d.error,
    nextAttemptAt: iso(d.next_attempt_at),
    createdAt: iso(d.created_at)!,
    updatedAt: iso(d.updated_at)!
  };
}
