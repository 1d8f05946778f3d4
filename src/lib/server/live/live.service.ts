import { Readable } from 'node:stream';
import { newId } from '$lib/editor/model/ids';
import { canEdit } from '$lib/editor/model/role';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { StationAssets } from '$lib/editor/model/playlist/snapshot';
import { planPlayout, type PlannedItem, type PlayRecord, type SongRequest } from '$lib/editor/model/schedule/playout-plan';
import { CHANNEL_LIVE, LIVE_HLS_LIST_SIZE, LIVE_HLS_SEGMENT_SECONDS, LIVE_PLAYLIST, LIVE_SEGMENT_NAME, type LiveItem, type LiveOutputConfig, type LiveStatus, type NowPlayingItem, type NowPlayingView, type UpcomingView } from '$lib/live';
import type { JobJson } from '$lib/job';
import type { UrlSigner } from '../asset/signed-url';
import { readOutputs, type ChannelService } from '../channel/channel.service';
import type { ChannelRow, JobRow, UserRow } from '../db/schema';
import { ApiError, conflict, forbidden, notFound } from '../http/api-error';
import type { JobRepository } from '../job/job.repository';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import type { LeaseLock } from '../redis/redis-lock';
import { recordingPrefix } from '../podcast/recording-files';
import { TooLarge, type BlobStorage } from '../storage/storage';
import type { WorkerTokenService } from '../worker/worker-token.service';
import type { DocRegistry } from '../yjs/doc-registry';
import type { ListenerCounter } from './listeners';
import { MemoryLiveAirState, type LiveAirState } from './live-air-state';
import type { LibraryAssetRow, LiveRepository } from './live.repository';
import type { HealthReport, PlayedItem } from './live.schema';
import { continuePlaylist, segmentsOf } from './hls-playlist';

/** How far back the plan reads the play log (its catch-up window). */
const HISTORY_MS = 24 * 3600_000;
const LOGGED_KINDS = new Set(['track', 'jingle', 'fallback']);

/** Length of a recording file: an hour, shorter in tests. */
const RECORDING_SEGMENT_SECONDS = Number(process.env.LIVE_RECORDING_SEGMENT_SECONDS) || 3600;
/** How often recordings past their channel's retention are deleted. */
const RECORDING_SWEEP_MS = (Number(process.env.LIVE_RECORDING_SWEEP_SECONDS) || 3600) * 1000;
const RECORDING_NAME = /^rec-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.m4a$/;
/** How long a stopped job's worker may still upload the recording file it finishes on stop. */
const RECORDING_CLOSE_MS = 2 * 60_000;
const DAY_MS = 24 * 3600_000;
/**
 * How long a process answers a playlist from memory: every listener polls it each segment, from any process, and a
 * bucket read per poll would cost more than the second of staleness (shared caches already keep it that long).
 */
const PLAYLIST_MEMORY_MS = 1000;
/** A live attempt on air this long has proven itself: the job's crash budget (maxAttempts) starts over. */
const STEADY_AIR_MS = (Number(process.env.LIVE_STEADY_AIR_SECONDS) || 600) * 1000;

export type LiveEvent =
  | { type: 'now-playing'; channelId: string; projectId: string; view: NowPlayingView }
  /** The channel's live status changed: on or off air, or its health (alerts, an output's state). */
  | { type: 'status'; channelId: string; projectId: string; status: LiveStatus };

/** Song requests as the plan sees them (the request service; absent, the plan has none). */
export interface LiveRequestSource {
  pendingForPlan(channel: ChannelRow): Promise<SongRequest[]>;
  played(channel: ChannelRow, requestId: string, at: number): Promise<void>;
}

/** The AutoDJ as the plan sees it (the DJ service; absent, items air without intros). */
export interface LiveDjSource {
  decorate(channel: ChannelRow, items: LiveItem[]): Promise<LiveItem[]>;
  lineFor(channelId: string, item: { assetId: string | null; start: number }): Promise<NowPlayingItem['dj']>;
}

/** A worker's claim on a live job, checked on every worker call: token, instance and lease. */
export interface WorkerCredentials {
  authorization: string | undefined;
  instance: string;
}

export const liveKey = (channelId: string) => `${CHANNEL_LIVE}:${channelId}`;

/**
 * The live output of channels: start and stop the one `channel.live` job per channel, give its worker the playout
 * plan (computed here from the current document, library and play log, so co-edits apply on the next fetch), log what
 * aired and tell listeners, and keep the HLS files the worker uploads for /live/:slug/.
 */
export class LiveService {
  /** Which job has delivered a playlist on each channel, and its last health report: shared by the web processes. */
  air: LiveAirState = new MemoryLiveAirState();
  /** When each live job's current attempt first delivered a playlist. */
  private readonly attemptOnAir = new Map<string, { attempt: number; since: number }>();
  private readonly listeners = new Set<(e: LiveEvent) => void>();
  /** Set by the composition root (the request service is built after this one). */
  requests: LiveRequestSource | null = null;
  /** Set by the composition root: the DJ's intros over the plan's items. */
  dj: LiveDjSource | null = null;
  /** Set by live takeover: the live source on a channel's air, which now playing shows instead of the play log. */
  liveNow: ((channelId: string) => NowPlayingItem | null) | null = null;
  /** Set by the composition root: who is listening, for the play log and now playing. */
  listenerCounter: Pick<ListenerCounter, 'count'> | null = null;
  private readonly sweeper: NodeJS.Timeout;
  /** Stopped live jobs whose worker is finishing its last recording file: job id → lease holder, until when. */
  private readonly closingRecordings = new Map<string, { owner: string; until: number }>();
  /** Served playlists read in the last PLAYLIST_MEMORY_MS, by channel. */
  private readonly playlists = new Map<string, { text: string; at: number }>();

  constructor(
    private readonly repo: LiveRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly jobs: JobService,
    private readonly jobRows: JobRepository,
    private readonly docs: DocRegistry,
    private readonly signer: UrlSigner,
    private readonly workerTokens: WorkerTokenService,
    /** Where HLS files (`live/<channel>/`) and recordings (`recordings/<channel>/`) are kept, for every web process to serve. */
    private readonly storage: BlobStorage,
    private readonly logger: Logger,
    private readonly lock: LeaseLock,
    private readonly now: () => number = Date.now
  ) {
    jobs.registerKind(CHANNEL_LIVE, { stopped: (job) => this.offAir(job) });
    jobs.onEvent(({ job, change }) => {
      if (job.type === CHANNEL_LIVE && change === 'retrying') void this.offAir(job, false);
      // A stop clears the lease, but the worker still uploads the partial recording it finishes as it stops.
      if (job.type === CHANNEL_LIVE && change === 'canceled' && job.worker) {
        for (const [id, c] of this.closingRecordings) if (c.until < this.now()) this.closingRecordings.delete(id);
        this.closingRecordings.set(job.id, { owner: job.worker, until: this.now() + RECORDING_CLOSE_MS });
      }
    });
    // One web process at a time sweeps (they share the storage); deleting an old file twice would be harmless.
    const sweep = () =>
      this.lock.run('live:sweep', RECORDING_SWEEP_MS, async () => {
        await this.sweepRecordings().catch((e) => this.logger.error({ err: e }, 'recording sweep failed'));
        await this.sweepHls().catch((e) => this.logger.error({ err: e }, 'HLS sweep failed'));
      });
    this.sweeper = setInterval(() => void sweep().catch((e) => this.logger.error({ err: e }, 'live sweep failed')), RECORDING_SWEEP_MS);
    this.sweeper.unref();
  }

  onEvent(fn: (e: LiveEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- people: start, stop, status, now playing ----

  private async channelFor(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const channel = await this.channels.findById(channelId);
    const role = channel ? await this.projects.roleOf(user.id, channel.project_id) : null;
    if (!channel || !role) throw notFound('No such channel, or you are not a member of its project.');
    if (edit && !canEdit(role)) throw forbidden('Viewers cannot start or stop channels: ask the owner for the editor role.');
    return channel;
  }

  async start(user: UserRow, channelId: string): Promise<LiveStatus> {
    const channel = await this.channelFor(user, channelId, true);
    const { job, created } = await this.jobs.enqueue(channel.project_id, {
      type: CHANNEL_LIVE,
      input: { channelId },
      idempotencyKey: liveKey(channelId),
      createdBy: user.id,
      // A station keeps trying: each crash of the worker comes back (with backoff) and resumes at the right place.
      maxAttempts: 20
    });
    if (!created && (job.status === 'failed' || job.status === 'canceled')) await this.jobs.retry(user, job.id);
    else if (!created && job.status === 'succeeded') throw conflict('The live job ended; stop and start again.', 'job_finished');
    return this.statusOf(channel);
  }

  async stop(user: UserRow, channelId: string): Promise<LiveStatus> {
    const channel = await this.channelFor(user, channelId, true);
    const job = await this.repo.liveJob(channel.project_id, liveKey(channelId));
    if (job && (job.status === 'queued' || job.status === 'running')) await this.jobs.cancel(user, job.id);
    return this.statusOf(channel);
  }

  async status(user: UserRow, channelId: string): Promise<LiveStatus> {
    return this.statusOf(await this.channelFor(user, channelId, false));
  }

  private async statusOf(channel: ChannelRow): Promise<LiveStatus> {
    const job = await this.repo.liveJob(channel.project_id, liveKey(channel.id));
    const base = { channelId: channel.id, jobId: job?.id ?? null, health: null, hlsUrl: null, message: null };
    if (!job || job.status === 'canceled' || job.status === 'succeeded') return { ...base, state: 'off-air' };
    if (job.status === 'failed') return { ...base, state: 'error', message: job.error };
    const onAir = job.status === 'running' && (await this.air.airing(channel.id)) === job.id;
    return {
      ...base,
      state: onAir ? 'on-air' : 'starting',
      message: job.error ?? (job.status === 'queued' ? `Waiting for a worker that runs ${CHANNEL_LIVE} jobs.` : null),
      health: await this.air.health(channel.id),
      hlsUrl: onAir ? `/live/${channel.slug}/${LIVE_PLAYLIST}` : null
    };
  }

  /** The stream page's now playing: public channels for anyone, private ones for members. */
  async nowPlaying(user: UserRow | null, slug: string): Promise<NowPlayingView> {
    const channel = await this.channels.findBySlugFor(user?.id ?? null, slug);
    if (!channel) throw notFound('No such channel.');
    const job = await this.repo.liveJob(channel.project_id, liveKey(channel.id));
    const live = job?.status === 'running' && (await this.air.airing(channel.id)) === job.id;
    const view: NowPlayingView = { channel: { name: channel.name, slug: channel.slug }, live, now: null, next: [], listeners: await this.listenersOf(channel.id) };
    if (!live) return view;
    const t = this.now();
    const [latest] = (await this.repo.plays(channel.id, t - HISTORY_MS, t, 1)).filter((p) => (p.ended_at ?? 0) > t);
    view.now = this.liveNow?.(channel.id) ?? null;
    if (latest && !view.now) {
      view.now = nowItem({ kind: kindOf(latest.plan_item), assetId: latest.asset_id, start: Number(latest.started_at), end: Number(latest.ended_at), title: latest.title, artist: latest.artist });
      view.now.dj = (await this.dj?.lineFor(channel.id, { assetId: latest.asset_id, start: Number(latest.started_at) })) ?? null;
    }
    const { items } = await this.plan(channel, t, 5);
    view.next = items.filter((i) => i.kind !== 'break' && i.start > (view.now?.startedAt ?? t)).slice(0, 3).map(nowItem);
    return view;
  }

  /**
   * The channel's next `count` items as it will air them, for the studio (no media URLs). Off air the list is empty:
   * the plan is anchored at the first item's start in the play log, so times before that would not hold.
   */
  async upcomingView(user: UserRow, channelId: string, count: number): Promise<UpcomingView> {
    const channel = await this.channelFor(user, channelId, false);
    const job = await this.repo.liveJob(channel.project_id, liveKey(channel.id));
    const onAir = job?.status === 'running' && (await this.air.airing(channel.id)) === job.id;
    if (!onAir) return { channelId: channel.id, onAir, items: [] };
    const { items } = await this.plan(channel, this.now(), count);
    return {
      channelId: channel.id,
      onAir,
      items: items.map(({ kind, assetId, title, artist, show, start, end }) => ({ kind, assetId, title, artist, show, start, end }))
    };
  }

  // ---- the worker ----

  /** The live job this worker holds, or an ApiError (401 unknown token, 409 not its lease). */
  async requireLease(jobId: string, cred: WorkerCredentials): Promise<JobRow> {
    const header = cred.authorization;
    const identity = await this.workerTokens.authenticate(header?.startsWith('Bearer ') ? header.slice(7).trim() : null);
    if (!identity) throw new ApiError(401, 'unauthorized', 'Send the worker token as "Authorization: Bearer <token>".');
    const job = await this.jobRows.findById(jobId);
    if (!job || job.type !== CHANNEL_LIVE || job.status !== 'running' || job.lease_owner !== `${identity.tokenId}:${cred.instance}`) {
      throw new ApiError(409, 'lease_lost', 'This worker does not hold that live job (stopped, or its lease expired).');
    }
    return job;
  }

  /** The live job for a recording upload: held by this worker, or stopped by people moments ago while it held it. */
  async requireRecordingLease(jobId: string, cred: WorkerCredentials): Promise<JobRow> {
    try {
      return await this.requireLease(jobId, cred);
    } catch (e) {
      const closing = this.closingRecordings.get(jobId);
      if (!(e instanceof ApiError) || e.status !== 409 || !closing || closing.until < this.now()) throw e;
      const identity = await this.workerTokens.authenticate(cred.authorization?.slice(7).trim() ?? null);
      const job = await this.jobRows.findById(jobId);
      if (!job || closing.owner !== `${identity?.tokenId}:${cred.instance}`) throw e;
      return job;
    }
  }

  private async channelOfJob(job: JobRow): Promise<ChannelRow> {
    const channelId = (JSON.parse(job.input ?? 'null') as { channelId?: string } | null)?.channelId ?? '';
    const channel = await this.channels.findById(channelId);
    if (!channel) throw new ApiError(410, 'channel_deleted', 'The channel was deleted.');
    return channel;
  }

  /** The next `count` items from `from`, each with a signed URL of its broadcast copy. */
  async planForJob(job: JobRow, from: number, count: number): Promise<{ channelId: string; crossfadeSeconds: number; serverTime: number; items: LiveItem[] }> {
    const channel = await this.channelOfJob(job);
    const { items } = await this.plan(channel, from, count);
    return { channelId: channel.id, crossfadeSeconds: channel.crossfade_seconds, serverTime: this.now(), items: this.dj ? await this.dj.decorate(channel, items) : items };
  }

  /** The next `count` planned items from `from` and the station's time zone (the DJ writes ahead from these). */
  upcoming(channel: ChannelRow, from: number, count: number): Promise<{ items: LiveItem[]; timezone: string }> {
    return this.plan(channel, from, count);
  }

  private async plan(channel: ChannelRow, at: number, count: number): Promise<{ items: LiveItem[]; timezone: string }> {
    const doc = await this.docs.copyOf(channel.project_id);
    const pd = new ProjectDoc(doc);
    const playlists = pd.playlists.snapshot();
    const schedule = pd.schedule.snapshot(new Set(playlists.playlists.map((p) => p.id)));
    doc.destroy();
    const library = new Map((await this.repo.airable(channel.project_id, channel.kind)).map((a) => [a.id, a]));
    const assets: Record<string, StationAssets[string]> = {};
    for (const a of library.values()) assets[a.id] = { duration: a.duration ?? 0, approved: a.status === 'approved', title: a.title, artist: a.artist };
    const history: PlayRecord[] = [];
    for (const p of await this.repo.plays(channel.id, at - HISTORY_MS, at)) {
      if (!p.plan_item) continue;
      try {
        history.push(JSON.parse(p.plan_item) as PlayRecord);
      } catch {
        // Written by us; an unreadable row is left out rather than stopping the station.
      }
    }
    const items = planPlayout({
      playlists,
      schedule,
      assets,
      channel: { id: channel.id, crossfadeSeconds: channel.crossfade_seconds, fallbackPlaylistId: channel.fallback_playlist_id },
      history,
      requests: (await this.requests?.pendingForPlan(channel)) ?? [],
      at,
      count,
      options: { requestRepeatGapSeconds: channel.min_repeat_minutes * 60 }
    });
    return {
      timezone: schedule.settings.timezone,
      items: items.map((i) => ({
        ...i,
        title: i.kind === 'emergency' ? 'Station ID' : i.kind === 'break' ? '' : (assets[i.assetId ?? '']?.title ?? ''),
        artist: i.assetId ? (assets[i.assetId]?.artist ?? '') : '',
        ...this.mediaOf(i.assetId ? library.get(i.assetId) : undefined)
      }))
    };
  }

  /** Where the worker fetches an item's sound and (on a video channel) picture, signed. */
  private mediaOf(asset: LibraryAssetRow | undefined): Pick<LiveItem, 'assetKind' | 'url' | 'videoUrl'> {
    if (!asset) return { assetKind: null, url: null, videoUrl: null };
    return {
      assetKind: asset.kind,
      url: asset.broadcast ? this.signer.sign(`/api/assets/${asset.id}/variants/broadcast`) : null,
      videoUrl: asset.kind === 'video' ? this.signer.sign(`/api/assets/${asset.id}/variants/proxy`) : null
    };
  }

  /** The worker started `item` in the audio timeline: log it (once) and tell the stream page and the studio. */
  async played(job: JobRow, item: PlayedItem): Promise<{ logged: boolean }> {
    const channel = await this.channelOfJob(job);
    if (item.kind === 'break') return { logged: false };
    const { title, artist, ...planned } = item;
    let logged = false;
    // play_log has no kind for emergencies: they are announced but not logged (the plan re-derives them anyway).
    if (LOGGED_KINDS.has(item.kind)) {
      logged = await this.repo.insertPlay({
        id: newId(),
        channel_id: channel.id,
        asset_id: item.assetId,
        title: title || 'Untitled',
        artist,
        kind: item.requestId ? 'request' : (item.kind as 'track' | 'jingle' | 'fallback'),
        started_at: item.start,
        ended_at: item.end,
        plan_item: JSON.stringify(planned),
        listeners: await this.listenersOf(channel.id)
      });
    }
    if (item.requestId) await this.requests?.played(channel, item.requestId, item.start);
    await this.air.setAiring(channel.id, job.id);
    const { items } = await this.plan(channel, item.start, 5);
    const view: NowPlayingView = {
      channel: { name: channel.name, slug: channel.slug },
      live: true,
      now: { ...nowItem({ ...item, title, artist }), dj: (await this.dj?.lineFor(channel.id, item)) ?? null },
      next: items.filter((i) => i.kind !== 'break' && i.start > item.start).slice(0, 3).map(nowItem),
      listeners: await this.listenersOf(channel.id)
    };
    for (const fn of this.listeners) {
      try {
        fn({ type: 'now-playing', channelId: channel.id, projectId: channel.project_id, view });
      } catch (e) {
        this.logger.error({ err: e }, 'now-playing listener failed');
      }
    }
    return { logged };
  }

  /** Tells the stream page and the studio that a live takeover is on air (planned items go through `played`). */
  async pushNowPlaying(channel: ChannelRow, now: NowPlayingItem): Promise<void> {
    const { items } = await this.plan(channel, this.now(), 5);
    const view: NowPlayingView = { channel: { name: channel.name, slug: channel.slug }, live: true, now, next: items.filter((i) => i.kind !== 'break').slice(0, 3).map(nowItem), listeners: await this.listenersOf(channel.id) };
    for (const fn of this.listeners) {
      try {
        fn({ type: 'now-playing', channelId: channel.id, projectId: channel.project_id, view });
      } catch (e) {
        this.logger.error({ err: e }, 'now-playing listener failed');
      }
    }
  }

  /** A live takeover went on air: its row in the play log (ended by `endLive`); returns the row's id. */
  async logLive(channel: ChannelRow, title: string, since: number): Promise<string> {
    const id = newId();
    await this.repo.insertLivePlay({ id, channel_id: channel.id, title, started_at: since, listeners: await this.listenersOf(channel.id) });
    return id;
  }

  async endLive(playId: string, at: number): Promise<void> {
    await this.repo.endLivePlay(playId, at);
  }

  /** The channel's live job is running: a live source can only take the air that job mixes. */
  async isOnAir(channel: ChannelRow): Promise<boolean> {
    return (await this.repo.liveJob(channel.project_id, liveKey(channel.id)))?.status === 'running';
  }

  /**
   * A station restarted after crashes that has since aired steadily gets its attempts back: maxAttempts then bounds
   * crashes in a row, not every crash over weeks of air.
   */
  private async forgiveCrashes(job: JobRow): Promise<void> {
    const attempt = this.attemptOnAir.get(job.id);
    if (job.attempts <= 1 || attempt?.attempt !== job.attempts || this.now() - attempt.since < STEADY_AIR_MS) return;
    if (await this.jobRows.restartAttemptCount(job.id, job.lease_owner ?? '')) {
      this.attemptOnAir.set(job.id, { attempt: 1, since: attempt.since });
      this.logger.info({ jobId: job.id, attempts: job.attempts }, 'live job on air steadily again: its attempts start over');
    }
  }

  async reportHealth(job: JobRow, report: HealthReport): Promise<void> {
    const channel = await this.channelOfJob(job);
    await this.forgiveCrashes(job);
    const before = await this.air.health(channel.id);
    await this.air.setHealth(channel.id, { ...report, at: this.now() });
    const { at: _at, ...was } = before ?? { at: 0 };
    if (!before || JSON.stringify(was) !== JSON.stringify(report)) await this.pushStatus(channel);
    if ((report.silent || report.emergency) && !(before?.silent || before?.emergency)) this.logger.warn({ channelId: channel.id, jobId: job.id, ...report }, 'live output alert');
    for (const o of report.outputs) {
      const was = before?.outputs.find((b) => b.name === o.name);
      // Warn once per failure run, and on every new stall.
      if ((o.state === 'retrying' && was?.state !== 'retrying') || o.stalls > (was?.stalls ?? 0)) {
        this.logger.warn({ channelId: channel.id, jobId: job.id, output: o.name, lastError: o.lastError, nextAttemptAt: o.nextAttemptAt, stalls: o.stalls }, 'live output failing');
      }
    }
  }

  /** The channel's outputs with their secrets, for the lease holder only: it needs them to connect. */
  async outputsForJob(job: JobRow): Promise<LiveOutputConfig> {
    const channel = await this.channelOfJob(job);
    const outputs = readOutputs(channel);
    return {
      channel: { id: channel.id, name: channel.name, slug: channel.slug, kind: channel.kind },
      icecast: outputs.icecast,
      rtmp: outputs.rtmp.map(({ id, name, url, streamKey }) => ({ id, name, url, streamKey })),
      recording: { enabled: channel.recording_enabled === 1, segmentSeconds: RECORDING_SEGMENT_SECONDS }
    };
  }

  private async listenersOf(channelId: string): Promise<number> {
    return (await this.listenerCounter?.count(channelId)) ?? 0;
  }

  /** Tells the studio the channel's live status (the dashboard's on-air state and alerts). */
  private async pushStatus(channel: ChannelRow): Promise<void> {
    if (this.listeners.size === 0) return;
    const status = await this.statusOf(channel);
    for (const fn of this.listeners) {
      try {
        fn({ type: 'status', channelId: channel.id, projectId: channel.project_id, status });
      } catch (e) {
        this.logger.error({ err: e }, 'live status listener failed');
      }
    }
  }

  // ---- recordings ----

  /** Stores one finished recording file of the air (named by its UTC start) under the channel. */
  async putRecording(job: JobRow, name: string, body: Readable, maxBytes: number): Promise<void> {
    const channel = await this.channelOfJob(job);
    await receive(this.storage, `${recordingPrefix(channel.id)}${name}`, body, maxBytes);
    this.logger.info({ channelId: channel.id, file: name }, 'recording stored');
  }

  /** Deletes recordings older than their channel's retention (by the start in their name); returns how many. */
  async sweepRecordings(now = this.now()): Promise<number> {
    const cutoffs = new Map<string, number>();
    let deleted = 0;
    for await (const o of this.storage.listObjects('recordings/')) {
      const [, channelId, f] = o.key.split('/');
      const m = RECORDING_NAME.exec(f ?? '');
      if (!m) continue;
      if (!cutoffs.has(channelId)) {
        const channel = await this.channels.findById(channelId);
        // A deleted channel's recordings go with it.
        cutoffs.set(channelId, channel ? now - channel.recording_retention_days * DAY_MS : Infinity);
      }
      const start = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      if (start < cutoffs.get(channelId)!) {
        await this.storage.deleteObject(o.key);
        deleted++;
      }
    }
    if (deleted) this.logger.info({ deleted }, 'old recordings deleted');
    return deleted;
  }

  // ---- HLS files ----

  private hlsKey(channelId: string, name: string): string {
    return `live/${channelId}/${name}`;
  }

  private async readPlaylist(channelId: string): Promise<string | null> {
    try {
      const { body } = await this.storage.getObject(this.hlsKey(channelId, LIVE_PLAYLIST));
      return await readText(body, Infinity);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async writePlaylist(channelId: string, text: string): Promise<void> {
    await this.storage.putObject(this.hlsKey(channelId, LIVE_PLAYLIST), Readable.from([Buffer.from(text)]));
    this.playlists.set(channelId, { text, at: this.now() });
  }

  /** Stores one HLS file from the worker; a new playlist prunes the segments it no longer lists. */
  async putHls(job: JobRow, name: string, body: Readable, maxBytes: number): Promise<void> {
    const channel = await this.channelOfJob(job);
    if (name !== LIVE_PLAYLIST) return receive(this.storage, this.hlsKey(channel.id, name), body, maxBytes);
    // Players get the served playlist, continued across the worker's runs (see hls-playlist.ts), not the upload.
    const uploaded = await readText(body, maxBytes);
    const served = continuePlaylist(await this.readPlaylist(channel.id), uploaded, { windowSize: LIVE_HLS_LIST_SIZE, targetDuration: LIVE_HLS_SEGMENT_SECONDS });
    await this.writePlaylist(channel.id, served);
    const wasAiring = (await this.air.airing(channel.id)) === job.id;
    await this.air.setAiring(channel.id, job.id);
    if (this.attemptOnAir.get(job.id)?.attempt !== job.attempts) this.attemptOnAir.set(job.id, { attempt: job.attempts, since: this.now() });
    if (!wasAiring) await this.pushStatus(channel);
    const listed = new Set(segmentsOf(served).filter((l) => LIVE_SEGMENT_NAME.test(l)));
    if (listed.size === 0) return;
    const numberOf = (n: string) => Number(/\d+/.exec(n)?.[0] ?? 0);
    const oldest = Math.min(...[...listed].map(numberOf));
    for await (const o of this.storage.listObjects(this.hlsKey(channel.id, ''))) {
      const f = o.key.slice(o.key.lastIndexOf('/') + 1);
      // Two segments behind the list's window stay for players still fetching them.
      if (LIVE_SEGMENT_NAME.test(f) && !listed.has(f) && numberOf(f) < oldest - 2) await this.storage.deleteObject(o.key);
    }
  }

  /** HLS files untouched for a day: channels long off air, whose ended playlist and last segments nobody plays. */
  async sweepHls(now = this.now()): Promise<number> {
    return this.storage.deleteObjects('live/', now - DAY_MS);
  }

  /** A stored HLS file for GET /live/:slug/:name, if this caller may listen (public, or a member). */
  async hlsFile(user: UserRow | null, slug: string, name: string): Promise<{ body: Readable; size: number; visibility: ChannelRow['visibility'] }> {
    const channel = await this.channels.findBySlugFor(user?.id ?? null, slug);
    if (!channel) throw notFound('No such channel.');
    const visibility = channel.visibility;
    if (name === LIVE_PLAYLIST) {
      let held = this.playlists.get(channel.id);
      if (!held || this.now() - held.at > PLAYLIST_MEMORY_MS) {
        const text = await this.readPlaylist(channel.id);
        if (text === null) {
          this.playlists.delete(channel.id);
          throw notFound('The channel is not on air.');
        }
        this.playlists.set(channel.id, (held = { text, at: this.now() }));
      }
      const bytes = Buffer.from(held.text);
      return { body: Readable.from([bytes]), size: bytes.length, visibility };
    }
    try {
      return { ...(await this.storage.getObject(this.hlsKey(channel.id, name))), visibility };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('That segment is gone (or not made yet).');
      throw e;
    }
  }

  /**
   * The job stopped for good: the playlist says it ended, the channel is off air. A crash that will retry (not `final`)
   * only drops the crashed run's health: the playlist stays open, so players wait for the next run, which continues it.
   */
  private async offAir(job: JobJson, final = true): Promise<void> {
    const channelId = (job.input as { channelId?: string } | null)?.channelId;
    if (final) this.attemptOnAir.delete(job.id);
    if (!channelId || (await this.air.airing(channelId)) !== job.id) return;
    if (final) await this.air.clearAiring(channelId);
    await this.air.clearHealth(channelId);
    const channel = await this.channels.findById(channelId);
    if (channel) await this.pushStatus(channel);
    if (!final) return;
    const text = await this.readPlaylist(channelId);
    // No playlist yet: nothing to close.
    if (text !== null && !text.includes('#EXT-X-ENDLIST')) await this.writePlaylist(channelId, `${text.trimEnd()}\n#EXT-X-ENDLIST\n`);
  }
}

/** A small upload as text, refused past maxBytes. */
async function readText(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const c of body) {
    bytes += (c as Buffer).length;
    if (bytes > maxBytes) throw new ApiError(413, 'too_large', `Files here take up to ${maxBytes} bytes.`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Stores an upload under `key` (whole or not at all: a reader never sees half a file). */
async function receive(storage: BlobStorage, key: string, body: Readable, maxBytes: number): Promise<void> {
  try {
    await storage.putObject(key, body, maxBytes);
  } catch (e) {
    if (e instanceof TooLarge) throw new ApiError(413, 'too_large', `Files here take up to ${maxBytes} bytes.`);
    throw e;
  }
}

/** The planned kind of a logged play (requests and live takeovers read as tracks). */
function kindOf(planItem: string | null): PlannedItem['kind'] {
  try {
    return (JSON.parse(planItem ?? '{}') as { kind?: PlannedItem['kind'] }).kind ?? 'track';
  } catch {
    return 'track';
  }
}

function nowItem(i: Pick<PlannedItem, 'kind' | 'assetId' | 'start' | 'end'> & { title: string; artist: string }): NowPlayingItem {
  return { title: i.title, artist: i.artist, assetId: i.assetId, kind: i.kind, startedAt: i.start, duration: (i.end - i.start) / 1000 };
}
