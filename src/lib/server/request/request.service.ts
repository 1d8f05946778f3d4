import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryRateLimiters, type RateLimiterFactory } from '../redis/rate-limiters';
import { isId, newId } from '$lib/editor/model/ids';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { SongRequest } from '$lib/editor/model/schedule/playout-plan';
import type { ChannelService } from '../channel/channel.service';
import type { ChannelRow, SongRequestRow, UserRow } from '../db/schema';
import { ApiError, conflict, forbidden, notFound, tooManyRequests } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';
import type { RequestRepository } from './request.repository';
import type { RequestableSong, SongRequestView } from '$lib/song-request';

export type RequestEvent = { type: 'queue'; channelId: string; projectId: string; requests: SongRequestView[] };

/** Played requests stay in the team's queue view this long. */
const SHOW_PLAYED_MS = 3600_000;

/** Who asks: the address (hashed) and, for guests, the stream page's guest id. */
export interface Requester {
  user: UserRow | null;
  ip: string;
  guestId?: string;
}

/**
 * Song requests, as AzuraCast does them: per channel on or off, a delay before a request may air and a minimum gap
 * before a song repeats; listeners (guests too) ask for approved songs of the station's playlists, the plan airs them.
 */
export class RequestService {
  private readonly listeners = new Set<(e: RequestEvent) => void>();
  private readonly byIp: RateLimiterAbstract;
  private readonly byRequester: RateLimiterAbstract;

  constructor(
    private readonly repo: RequestRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly docs: DocRegistry,
    private readonly hashIp: (ip: string) => string,
    rateSeconds: number,
    limiters: RateLimiterFactory = memoryRateLimiters,
    private readonly now: () => number = Date.now
  ) {
    this.byIp = limiters({ keyPrefix: 'request_ip', points: 1, duration: rateSeconds });
    this.byRequester = limiters({ keyPrefix: 'request_who', points: 1, duration: rateSeconds });
  }

  onEvent(fn: (e: RequestEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async channelBySlug(user: UserRow | null, slug: string): Promise<ChannelRow> {
    const channel = await this.channels.findBySlugFor(user?.id ?? null, slug);
    if (!channel) throw notFound('No such channel.');
    if (channel.requests_enabled !== 1) throw conflict('This channel does not take song requests right now.', 'requests_off');
    return channel;
  }

  /** Assets in the station's music playlists (jingles are not requestable). */
  private async playlistAssets(projectId: string): Promise<string[]> {
    const doc = await this.docs.copyOf(projectId);
    try {
      const { playlists, items } = new ProjectDoc(doc).playlists.snapshot();
      const music = new Set(playlists.filter((p) => p.kind !== 'jingle').map((p) => p.id));
      return [...new Set(items.filter((i) => music.has(i.playlistId)).map((i) => i.assetId))];
    } finally {
      doc.destroy();
    }
  }

  async requestable(user: UserRow | null, slug: string, q: string, limit: number, offset: number): Promise<{ items: RequestableSong[]; total: number; limit: number; offset: number }> {
    const channel = await this.channelBySlug(user, slug);
    const { items, total } = await this.repo.requestable(channel.project_id, await this.playlistAssets(channel.project_id), q, limit, offset);
    return { items: items.map((a) => ({ id: a.id, title: a.title, artist: a.artist, duration: a.duration })), total, limit, offset };
  }

  async create(who: Requester, slug: string, assetId: string, note: { name?: string | null; message?: string | null } = {}): Promise<SongRequestView> {
    const channel = await this.channelBySlug(who.user, slug);
    const ids = await this.playlistAssets(channel.project_id);
    const { items } = ids.includes(assetId) ? await this.repo.requestable(channel.project_id, [assetId], '', 1, 0) : { items: [] };
    const song = items[0];
    if (!song) throw notFound('That song cannot be requested on this channel.');
    const t = this.now();
    const gapMs = channel.min_repeat_minutes * 60_000;
    const last = await this.repo.lastUse(channel.id, assetId, t - gapMs);
    const latest = Math.max(last.played ?? -Infinity, last.requested ?? -Infinity);
    if (gapMs > 0 && latest > t - gapMs) {
      const again = latest + gapMs;
      const minutes = Math.max(1, Math.ceil((again - t) / 60_000));
      throw new ApiError(409, 'too_soon', `"${song.title}" played or was requested recently: it can be requested again at ${new Date(again).toISOString()} (in ${minutes} minute${minutes === 1 ? '' : 's'}).`);
    }
    if (last.pending) throw conflict(`"${song.title}" is already in the request queue: it can be requested again once it has played.`, 'already_requested');
    const ipHash = this.hashIp(who.ip);
    await this.consume(ipHash, who.user ? `u:${who.user.id}` : who.guestId ? `g:${who.guestId}` : null);
    const row: SongRequestRow = {
      id: newId(),
      channel_id: channel.id,
      asset_id: assetId,
      user_id: who.user?.id ?? null,
      guest_id: who.user ? null : (who.guestId ?? null),
      ip_hash: ipHash,
      status: 'pending',
      requested_at: t,
      played_at: null,
      // A signed-in listener who gives no name is shown by their display name.
      name: note.name ?? (who.user ? who.user.display_name || who.user.username : null),
      message: note.message ?? null
    };
    await this.repo.insert(row);
    await this.announce(channel);
    return view(channel, { ...row, title: song.title, artist: song.artist });
  }

  /** One request per period per address and per listener (rate-limiter-flexible); the wait is in the 429. */
  private async consume(ipHash: string, who: string | null): Promise<void> {
    const results = await Promise.allSettled([this.byIp.consume(ipHash), who ? this.byRequester.consume(who) : Promise.resolve(null)]);
    let waitMs = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
      waitMs = Math.max(waitMs, r.reason.msBeforeNext);
    }
    if (waitMs > 0) {
      const at = new Date(this.now() + waitMs).toISOString();
      throw tooManyRequests(waitMs / 1000, `One song request at a time: you can request again at ${at} (in ${Math.ceil(waitMs / 1000)} seconds).`);
    }
  }

  /** The stream page's "your requests": this listener's (account, else guest id) pending ones and those settled in the last hour. */
  async mine(who: { user: UserRow | null; guestId?: string }, slug: string): Promise<SongRequestView[]> {
    const channel = await this.channels.findBySlugFor(who.user?.id ?? null, slug);
    if (!channel) throw notFound('No such channel.');
    const by = who.user ? { userId: who.user.id } : who.guestId ? { guestId: who.guestId } : null;
    if (!by) return [];
    return (await this.repo.mine(channel.id, by, this.now() - SHOW_PLAYED_MS)).map((r) => view(channel, r));
  }

  private async memberChannel(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const channel = isId(channelId) ? await this.channels.findById(channelId) : undefined;
    const role = channel ? await this.projects.roleOf(user.id, channel.project_id) : null;
    if (!channel || !role) throw notFound('No such channel, or you are not a member of its project.');
    if (edit && !canEdit(role)) throw forbidden('Viewers cannot remove song requests: ask the owner for the editor role.');
    return channel;
  }

  /** The team's view: pending requests and those played in the last hour. */
  async queue(user: UserRow, channelId: string): Promise<SongRequestView[]> {
    return this.queueOf(await this.memberChannel(user, channelId, false));
  }

  private async queueOf(channel: ChannelRow): Promise<SongRequestView[]> {
    return (await this.repo.queue(channel.id, this.now() - SHOW_PLAYED_MS)).map((r) => view(channel, r));
  }

  async remove(user: UserRow, channelId: string, requestId: string): Promise<void> {
    const channel = await this.memberChannel(user, channelId, true);
    const request = isId(requestId) ? await this.repo.findById(requestId) : undefined;
    if (!request || request.channel_id !== channel.id || request.status !== 'pending') throw notFound('No such pending request on this channel.');
    await this.repo.remove(requestId);
    await this.announce(channel);
  }

  // ---- the live output ----

  /** The plan's input: pending requests, each playable once the channel's request delay has passed. */
  async pendingForPlan(channel: ChannelRow): Promise<SongRequest[]> {
    const delay = channel.request_delay_minutes * 60_000;
    return (await this.repo.pending(channel.id)).map((r) => ({ id: r.id, assetId: r.asset_id, requestedAt: Number(r.requested_at) + delay }));
  }

  /** The live output aired a request. */
  async played(channel: ChannelRow, requestId: string, at: number): Promise<void> {
    if (await this.repo.markPlayed(channel.id, requestId, at)) await this.announce(channel);
  }

  private async announce(channel: ChannelRow): Promise<void> {
    if (this.listeners.size === 0) return;
    const requests = await this.queueOf(channel);
    for (const fn of this.listeners) fn({ type: 'queue', channelId: channel.id, projectId: channel.project_id, requests });
  }
}

function view(channel: ChannelRow, r: SongRequestRow & { title: string; artist: string }): SongRequestView {
  const iso = (t: number) => new Date(Number(t)).toISOString();
  return {
    id: r.id,
    channelId: r.channel_id,
    assetId: r.asset_id,
    title: r.title,
    artist: r.artist,
    status: r.status,
    requestedAt: iso(r.requested_at),
    playableFrom: iso(Number(r.requested_at) + channel.request_delay_minutes * 60_000),
    playedAt: r.played_at === null ? null : iso(r.played_at),
    by: r.user_id ? 'user' : 'guest',
    name: r.name,
    message: r.message
  };
}
