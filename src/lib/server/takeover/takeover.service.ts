import { randomBytes } from 'node:crypto';
import { canEdit } from '$lib/editor/model/role';
import type { NowPlayingItem } from '$lib/live';
import { TAKEOVER_APP, type TakeoverForJob, type TakeoverSourceKind, type TakeoverStatus } from '$lib/takeover';
import type { ChannelService } from '../channel/channel.service';
import type { ChannelRow, JobRow, UserRow } from '../db/schema';
import { ApiError, conflict, forbidden, notFound } from '../http/api-error';
import type { Logger } from '../log';
import type { LiveService } from '../live/live.service';
import type { ProjectService } from '../project/project.service';
import type { IngestServer } from './ingest-server';

/** A Web DJ's internal stream key is good for this long to start publishing. */
const WEBDJ_KEY_TTL_MS = 60_000;

interface LiveSource {
  channel: ChannelRow;
  kind: TakeoverSourceKind;
  djName: string;
  streamName: string;
  since: number;
  /** The live worker has faded it in (now playing shows it). */
  onAir: boolean;
}

export type TakeoverEvent = { type: 'connected' | 'disconnected'; channel: ChannelRow; kind: TakeoverSourceKind; djName: string; at: number };

/**
 * Live takeover: which live source holds each channel's air. nginx-rtmp asks us (publish callbacks) whether a
 * publisher's stream name is the channel's stream key or a Web DJ's short-lived internal key; the live job's lease
 * holder is told where to pull the source from and reports when it airs it.
 */
export class TakeoverService {
  private readonly sources = new Map<string, LiveSource>();
  private readonly webDjKeys = new Map<string, { channelId: string; djName: string; expires: number }>();
  private readonly listeners = new Set<(e: TakeoverEvent) => void>();
  /** The play-log row of each channel's live source while it is on air. */
  private readonly plays = new Map<string, string>();

  constructor(
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly live: LiveService,
    readonly ingest: IngestServer,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now
  ) {
    live.liveNow = (channelId) => this.nowPlayingOf(channelId);
  }

  onEvent(fn: (e: TakeoverEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: TakeoverEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.logger.error({ err }, 'takeover listener failed');
      }
    }
  }

  private async editable(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const channel = await this.channels.findById(channelId);
    const role = channel ? await this.projects.roleOf(user.id, channel.project_id) : null;
    if (!channel || !role) throw notFound('No such channel, or you are not a member of its project.');
    if (edit && !canEdit(role)) throw forbidden('Only owners and editors can go live: ask the owner for the editor role.');
    return channel;
  }

  /** Why a live source cannot take the channel's air now, as an ApiError; null when it can. */
  private async refusal(channel: ChannelRow): Promise<ApiError | null> {
    if (!this.ingest.available) return new ApiError(503, 'ingest_unavailable', this.ingest.message ?? 'The RTMP ingest is not running.');
    if (!(await this.live.isOnAir(channel))) return conflict('The channel is not on air: start it first, then go live.', 'not_on_air');
    const holder = this.sources.get(channel.id);
    if (holder) return conflict(`Another live source already has the air (${holder.djName}, ${holder.kind === 'webdj' ? 'Web DJ' : 'RTMP'}): it must end first.`, 'air_taken');
    return null;
  }

  async status(user: UserRow, channelId: string): Promise<TakeoverStatus> {
    const channel = await this.editable(user, channelId, false);
    const s = this.sources.get(channel.id);
    const port = this.ingest.enabled ? this.ingest.port : null;
    return {
      channelId: channel.id,
      available: this.ingest.available,
      message: this.ingest.available ? null : this.ingest.message,
      ingestUrl: null,
      port,
      app: TAKEOVER_APP,
      source: s ? { kind: s.kind, djName: s.djName, since: s.since, onAir: s.onAir } : null
    };
  }

  /** A short-lived internal key with which the Web DJ bridge publishes for `user` (editors only). */
  async webDjKey(user: UserRow, channelId: string): Promise<{ channel: ChannelRow; streamName: string }> {
    const channel = await this.editable(user, channelId, true);
    const refused = await this.refusal(channel);
    if (refused) throw refused;
    for (const [k, v] of this.webDjKeys) if (v.expires < this.now()) this.webDjKeys.delete(k);
    const streamName = `webdj-${randomBytes(24).toString('hex')}`;
    this.webDjKeys.set(streamName, { channelId: channel.id, djName: user.username, expires: this.now() + WEBDJ_KEY_TTL_MS });
    return { channel, streamName };
  }

  /** nginx-rtmp's on_publish: accept (the source takes the air) or refuse the stream name. */
  async publish(streamName: string): Promise<LiveSource> {
    const internal = this.webDjKeys.get(streamName);
    if (internal) this.webDjKeys.delete(streamName);
    const channel = internal && internal.expires >= this.now() ? await this.channels.findById(internal.channelId) : internal ? null : await this.channels.channelForStreamKey(streamName);
    if (!channel) throw forbidden('Unknown or expired stream key.');
    const refused = await this.refusal(channel);
    if (refused) throw refused;
    const source: LiveSource = { channel, kind: internal ? 'webdj' : 'rtmp', djName: internal?.djName ?? channel.name, streamName, since: this.now(), onAir: false };
    this.sources.set(channel.id, source);
    this.logger.info({ channelId: channel.id, kind: source.kind }, 'live source connected');
    this.emit({ type: 'connected', channel, kind: source.kind, djName: source.djName, at: source.since });
    return source;
  }

  /** nginx-rtmp's on_publish_done: the publisher left (or was dropped). */
  publishDone(streamName: string): void {
    for (const [channelId, s] of this.sources) {
      if (s.streamName !== streamName) continue;
      this.sources.delete(channelId);
      this.logger.info({ channelId, kind: s.kind }, 'live source disconnected');
      this.emit({ type: 'disconnected', channel: s.channel, kind: s.kind, djName: s.djName, at: this.now() });
    }
  }

  /** For the live job's lease holder: the source to pull, with its key. */
  async forJob(job: JobRow): Promise<TakeoverForJob> {
    const s = this.sources.get(this.channelIdOf(job));
    if (!s || !this.ingest.available) return { live: null };
    return { live: { kind: s.kind, djName: s.djName, since: s.since, port: this.ingest.port, app: TAKEOVER_APP, streamName: s.streamName } };
  }

  /** The lease holder faded the live source in (`onAir`), or back out to AutoDJ. */
  async aired(job: JobRow, onAir: boolean): Promise<void> {
    const channelId = this.channelIdOf(job);
    const s = this.sources.get(channelId);
    if (s) s.onAir = onAir;
    const playId = this.plays.get(channelId);
    if (!onAir && playId) {
      // The source itself may be gone already (it disconnected): its air time ends now, with the fade.
      this.plays.delete(channelId);
      await this.live.endLive(playId, this.now());
    }
    if (!onAir || !s || playId) return;
    const item = this.liveItem(s);
    this.plays.set(channelId, await this.live.logLive(s.channel, item.title, this.now()));
    await this.live.pushNowPlaying(s.channel, item);
  }

  private channelIdOf(job: JobRow): string {
    return (JSON.parse(job.input ?? 'null') as { channelId?: string } | null)?.channelId ?? '';
  }

  private liveItem(s: LiveSource): NowPlayingItem {
    return { title: `Live: ${s.djName}`, artist: '', assetId: null, kind: 'live', startedAt: s.since, duration: 0 };
  }

  private nowPlayingOf(channelId: string): NowPlayingItem | null {
    const s = this.sources.get(channelId);
    return s?.onAir ? this.liveItem(s) : null;
  }
}
