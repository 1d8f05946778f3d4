import { CHANNEL_LIVE } from '$lib/live';
import type { JobJson } from '$lib/job';
import type { ChannelService } from '../channel/channel.service';
import type { GeneratorService } from '../generator/generator.service';
import type { JobService } from '../job/job.service';
import type { LiveService } from '../live/live.service';
import type { LeaseLock } from '../redis/redis-lock';
import type { TakeoverService } from '../takeover/takeover.service';
import type { WebhookService } from './webhook.service';

/** How long a crashed live job has to be back on air before its channel.offline goes out (the bound is 5 s). */
const RESUME_GRACE_MS = 10_000;
/** How long the outcome of one crash of a live job is kept (the job may wait for a worker that long and more). */
const BLIP_KEPT_MS = 7 * 24 * 3600_000;

/** Turns live output events into webhooks: an item marked played is song.changed, the live job's start and end are channel.online/offline. */
export function attachWebhookEvents(webhooks: WebhookService, live: LiveService, jobs: JobService, channels: ChannelService, locks: LeaseLock): void {
  live.onEvent((e) => {
    if (e.type !== 'now-playing' || !e.view.now) return;
    const now = e.view.now;
    void channels.findById(e.channelId).then((channel) => {
      if (!channel) return;
      return webhooks.dispatch('song.changed', channel, {
        song: { title: now.title, artist: now.artist, assetId: now.assetId, kind: now.kind, startedAt: new Date(now.startedAt).toISOString(), duration: now.duration },
        next: e.view.next.map((n) => ({ title: n.title, artist: n.artist, assetId: n.assetId, startsAt: new Date(n.startedAt).toISOString() }))
      });
    });
  });
  // A crashed live job running again within RESUME_GRACE_MS is a blip players ride out: no offline/online pair for it.
  // Each crash is decided once, by whichever web process comes first: the one whose grace ran out (offline), the one
  // that hands the job out again (a blip) or the one that cancels it while it waits. The crash is named by the job's
  // run_after, which its release sets and its next claim keeps.
  const decide = async (job: { id: string; runAfter: number }) => (await locks.acquire(`live-crash:${job.id}:${job.runAfter}`, BLIP_KEPT_MS)) !== null;
  jobs.onEvent(({ job, change }) => {
    if (job.type !== CHANNEL_LIVE || change === 'queued' || change === 'progress') return;
    const channelId = (job.input as { channelId?: string } | null)?.channelId;
    if (!channelId) return;
    const send = (event: 'channel.online' | 'channel.offline', reason: string) =>
      void channels.findById(channelId).then((channel) => channel && webhooks.dispatch(event, channel, { jobId: job.id, reason }));
    // Decided here first: this process's view of the crash wins; decided already: the other's did.
    const unlessDecided = (then: () => void, otherwise: () => void) => void decide(job).then((first) => (first ? then() : otherwise()), () => otherwise());
    if (change === 'started') {
      if (job.attempts <= 1) send('channel.online', change);
      // Back on air: within the grace (first here) a blip, else after the offline that went out.
      else unlessDecided(() => undefined, () => send('channel.online', change));
    } else if (change === 'retrying') {
      setTimeout(() => unlessDecided(() => send('channel.offline', change), () => undefined), RESUME_GRACE_MS).unref();
    } else if (change === 'succeeded' || change === 'failed' || (change === 'canceled' && job.worker)) {
      send('channel.offline', change);
    } else if (change === 'canceled') {
      // Stopped while it waited for a worker: offline, unless its crash already said so.
      unlessDecided(() => send('channel.offline', change), () => undefined);
    }
  });
}

/** A live source taking the air (or leaving it) is live.connected / live.disconnected, with the source and DJ. */
export function attachTakeoverWebhooks(webhooks: WebhookService, takeover: TakeoverService): void {
  takeover.onEvent((e) => {
    const data = { source: e.kind, djName: e.djName, at: new Date(e.at).toISOString() };
    void webhooks.dispatch(e.type === 'connected' ? 'live.connected' : 'live.disconnected', e.channel, data);
  });
}

/** The generated music buffer falling under DEPLETED is generator.depleted; leaving it (or the generator switched off) generator.recovered. */
export function attachGeneratorWebhooks(webhooks: WebhookService, generator: GeneratorService): void {
  generator.onEvent((e) => {
    if (e.type === 'buffer') return;
    const { state, hoursBuffered, depletedBelowHours } = e.buffer;
    void webhooks.dispatch(e.type === 'depleted' ? 'generator.depleted' : 'generator.recovered', e.channel, { state, hoursBuffered, depletedBelowHours, reason: e.reason });
  });
}

/**
 * Job changes become job.progress (at most once per `progressIntervalMs` per job), job.completed and job.failed
 * (canceled counts as failed, with its status), for the project's subscribed webhooks and the job's request callbacks.
 */
export function attachJobWebhooks(webhooks: WebhookService, jobs: JobService, progressIntervalMs: number, now: () => number = Date.now): void {
  const lastProgress = new Map<string, number>();
  jobs.onEvent(({ job, change }) => {
    if (job.type === CHANNEL_LIVE) return;
    const data = { job: jobEventView(job) };
    if (change === 'progress') {
      const t = now();
      if (t - (lastProgress.get(job.id) ?? -Infinity) < progressIntervalMs) return;
      lastProgress.set(job.id, t);
      void webhooks.dispatchJob('job.progress', job, data);
    } else if (change === 'succeeded') {
      lastProgress.delete(job.id);
      void webhooks.dispatchJob('job.completed', job, data);
    } else if (change === 'failed' || change === 'canceled') {
      lastProgress.delete(job.id);
      void webhooks.dispatchJob('job.failed', job, data);
    }
  });
}

/** What a job event (and GET /api/v1/jobs/:id) tells about a job. */
export function jobEventView(job: JobJson) {
  const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    progress: job.progress,
    progressMessage: job.progressMessage,
    result: job.result,
    error: job.error,
    attempts: job.attempts,
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    completedAt: iso(job.completedAt)
  };
}
