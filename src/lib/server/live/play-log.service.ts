import { isId } from '$lib/editor/model/ids';
import type { PlayLogEntryView } from '$lib/live';
import type { ChannelService } from '../channel/channel.service';
import type { UserRow } from '../db/schema';
import { notFound } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { LiveRepository } from './live.repository';

/**
 * The play log as the team reads it (what aired, when, to how many listeners), and the listener peaks it keeps:
 * `listeners` is the count when an item started (written by the live service), `peakListeners` the most while it aired.
 */
export class PlayLogService {
  constructor(
    private readonly repo: LiveRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly now: () => number = Date.now
  ) {}

  async recent(user: UserRow, channelId: string, limit: number): Promise<PlayLogEntryView[]> {
    const channel = isId(channelId) ? await this.channels.findById(channelId) : undefined;
    if (!channel || !(await this.projects.roleOf(user.id, channel.project_id))) throw notFound('No such channel, or you are not a member of its project.');
    return (await this.repo.recentPlays(channel.id, limit)).map((p) => ({
      id: p.id,
      assetId: p.asset_id,
      title: p.title,
      artist: p.artist,
      kind: p.kind,
      startedAt: p.started_at,
      endedAt: p.ended_at,
      listeners: p.listeners,
      peakListeners: p.peak_listeners
    }));
  }

  /** The channel's listener count changed: the item on air keeps the highest count it saw. */
  async listenersChanged(channelId: string, listeners: number): Promise<void> {
    if (listeners > 0) await this.repo.raisePeak(channelId, this.now(), listeners);
  }
}
