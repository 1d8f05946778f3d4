import { CHANNEL_LIVE } from '$lib/live';
import type { ChannelService } from '../channel/channel.service';
import type { JobService } from '../job/job.service';
import type { LiveService } from '../live/live.service';
import type { WebhookService } from './webhook.service';

/** Turns live output events into webhooks: an item marked played is song.changed, the live job's start and end are channel.online/offline. */
export function attachWebhookEvents(webhooks: WebhookService, live: LiveService, jobs: JobService, channels: ChannelService): void {
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
  jobs.onEvent(({ job, change }) => {
    if (job.type !== CHANNEL_LIVE) return;
    const event = change === 'started' ? 'channel.online' : change === 'succeeded' || change === 'failed' || change === 'canceled' || change === 'retrying' ? 'channel.offline' : null;
    const channelId = (job.input as { channelId?: string } | null)?.channelId;
    if (!event || !channelId) return;
    void channels.findById(channelId).then((channel) => channel && webhooks.dispatch(event, channel, { jobId: job.id, reason: change }));
  });
}
