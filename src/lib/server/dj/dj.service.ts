import { canEdit } from '$lib/editor/model/role';
import { newId } from '$lib/editor/model/ids';
import type { VoiceSettings } from '$lib/ai';
import type { JobJson } from '$lib/job';
import type { LiveItem } from '$lib/live';
import { DJ_DEFAULT_DUCK_DB, DJ_INTRO, DJ_MIN_LEAD_MS, dueIntros, introItemKey, timeOfDayAt, type TimeOfDay, type DjIntroView, type DjLine, type DjPersonaView, type LiveIntro } from '$lib/dj';
import type { ProvidersService } from '../ai/providers.service';
import type { AssetRepository } from '../asset/asset.repository';
import type { UrlSigner } from '../asset/signed-url';
import type { UserRepository } from '../auth/user.repository';
import type { ChannelService } from '../channel/channel.service';
import type { ChannelDjRow, ChannelRow, DjIntroRow, UserRow } from '../db/schema';
import { forbidden, notFound } from '../http/api-error';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';
import type { LeaseLock } from '../redis/redis-lock';
import type { DjRepository } from './dj.repository';
import { djIntroResultSchema, type DjPersonaInput } from './dj.schema';

/** How far ahead the scheduler writes intros: long enough for a slow voice, short enough that edits to the plan apply. */
const LOOKAHEAD_MS = 20 * 60_000;
const LOOKAHEAD_ITEMS = 12;
/** The voice must end this long before its item does. */
const TAIL_MS = 1000;
const SCHEDULE_EVERY_MS = 30_000;
const FETCH_SCHEDULE_MS = 5000;
/** The longest one channel's scheduling may hold its lock before another web process may schedule it too. */
const SCHEDULE_LEASE_MS = 60_000;

/** The plan as the DJ reads it (the live service; absent, nothing is scheduled). */
export interface DjPlanSource {
  upcoming(channel: ChannelRow, from: number, count: number): Promise<{ items: LiveItem[]; timezone: string }>;
  isOnAir(channel: ChannelRow): Promise<boolean>;
}

interface IntroJobInput {
  introId: string;
}

/**
 * The AutoDJ's voice: a persona per channel, and the scheduler that writes and voices intros ahead of air time as
 * `dj.intro` jobs. The live plan is decorated with ready intros (overlays: the plan's timing is untouched), now playing
 * carries the DJ's line, and people edit lines (each edit is voiced again).
 */
export class DjService {
  plan: DjPlanSource | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When each channel was last scheduled from a plan fetch: the plan is computed again only every few seconds. */
  private readonly lastFetchSchedule = new Map<string, number>();

  constructor(
    private readonly repo: DjRepository,
    private readonly channels: ChannelService,
    private readonly jobs: JobService,
    private readonly providers: ProvidersService,
    private readonly assets: AssetRepository,
    private readonly users: UserRepository,
    private readonly signer: UrlSigner,
    private readonly logger: Logger,
    /** Channels being scheduled now, here or by another web process: a second call while one runs is skipped. */
    private readonly lock: LeaseLock,
    private readonly now: () => number = Date.now
  ) {
    jobs.registerKind(DJ_INTRO, {
      urls: (job) => this.handout(job),
      started: (job) => this.whenCurrent(job, (row) => this.repo.updateIntro(row.id, { status: 'voicing', updated_at: this.now() })),
      succeeded: (job, raw) => this.applyResult(job, raw),
      stopped: (job) => this.whenCurrent(job, (row) => this.repo.updateIntro(row.id, { status: 'failed', error: job.error ?? 'The voicing job stopped.', updated_at: this.now() }))
    });
  }

  /** Schedules every enabled channel on air every 30 s (the live worker's plan fetches schedule it too). */
  start(): void {
    this.timer = setInterval(() => void this.scheduleAll().catch((e) => this.logger.error({ err: e }, 'DJ scheduling failed')), SCHEDULE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  // ---- people ----

  private async channelFor(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const { channel, role } = await this.channels.readable(user, channelId);
    if (edit && !canEdit(role)) throw forbidden('Viewers cannot change the DJ: ask the owner for the editor role.');
    return channel;
  }

  async persona(user: UserRow, channelId: string): Promise<DjPersonaView> {
    const channel = await this.channelFor(user, channelId, false);
    return this.personaView(channel, await this.repo.persona(channel.id));
  }

  async savePersona(user: UserRow, channelId: string, input: DjPersonaInput): Promise<DjPersonaView> {
    const channel = await this.channelFor(user, channelId, true);
    const row: ChannelDjRow = {
      channel_id: channel.id,
      enabled: input.enabled ? 1 : 0,
      name: input.name,
      style: input.style,
      tts_engine: input.voice?.engine ?? null,
      tts_voice: input.voice?.voice ?? null,
      tts_rate: input.voice?.rate ?? 1,
      tts_pitch: input.voice?.pitch ?? 0,
      policy: input.policy,
      every_n: input.everyN,
      station_id_hourly: input.stationIdHourly ? 1 : 0,
      duck_db: input.duckDb,
      updated_by: user.id,
      updated_at: this.now()
    };
    await this.repo.savePersona(row);
    if (row.enabled) void this.schedule(channel).catch((e) => this.logger.error({ err: e, channelId }, 'DJ scheduling failed'));
    return this.personaView(channel, row);
  }

  async intros(user: UserRow, channelId: string, from?: number, to?: number): Promise<DjIntroView[]> {
    const channel = await this.channelFor(user, channelId, false);
    const t = this.now();
    const rows = await this.repo.introsBetween(channel.id, from ?? t - 3600_000, to ?? t + 3600_000);
    return rows.map((r) => this.introView(r));
  }

  /** A person rewrites a line: it is voiced again (the old voice airs until the new one is ready). */
  async editIntro(user: UserRow, channelId: string, introId: string, text: string): Promise<DjIntroView> {
    const channel = await this.channelFor(user, channelId, true);
    const row = await this.repo.intro(introId);
    if (!row || row.channel_id !== channel.id) throw notFound('No such intro on this channel.');
    return this.revoiceRow(channel, row, text, user);
  }

  /** Voices the line again as it is (after a voice change, or a failed voicing). */
  async revoice(user: UserRow, channelId: string, introId: string): Promise<DjIntroView> {
    const channel = await this.channelFor(user, channelId, true);
    const row = await this.repo.intro(introId);
    if (!row || row.channel_id !== channel.id) throw notFound('No such intro on this channel.');
    return this.revoiceRow(channel, row, row.text || null, row.edited_by ? user : null);
  }

  private async revoiceRow(channel: ChannelRow, row: DjIntroRow, text: string | null, editor: UserRow | null): Promise<DjIntroView> {
    const persona = await this.repo.persona(channel.id);
    const input = await this.jobInput(channel, persona ?? null, row, text, await this.contextFor(channel, row));
    const { job } = await this.jobs.enqueue(channel.project_id, { type: DJ_INTRO, input, idempotencyKey: `${DJ_INTRO}:${row.id}:${this.now()}`, createdBy: editor?.id ?? null, maxAttempts: 2 });
    const changes: Partial<DjIntroRow> = { job_id: job.id, status: 'queued', error: null, updated_at: this.now(), ...(text !== null ? { text } : {}), ...(editor && text !== null ? { edited_by: editor.id } : {}) };
    await this.repo.updateIntro(row.id, changes);
    return this.introView({ ...row, ...changes });
  }

  /** The voiced file of an intro: members, or a signed URL (the live worker's). */
  async audioOf(user: UserRow | null, channelId: string, introId: string, signed: boolean): Promise<{ sha256: string }> {
    if (!signed) {
      if (!user) throw notFound('No such intro.');
      await this.channelFor(user, channelId, false);
    }
    const row = await this.repo.intro(introId);
    if (!row || row.channel_id !== channelId || !row.voice_sha256) throw notFound('This intro has no voice yet.');
    return { sha256: row.voice_sha256 };
  }

  // ---- the live plan and now playing ----

  /** The plan's items with their ready intros as overlays (the plan's timing is not changed). */
  async decorate(channel: ChannelRow, items: LiveItem[]): Promise<LiveItem[]> {
    const persona = await this.repo.persona(channel.id);
    if (!persona?.enabled) return items;
    if (this.now() - (this.lastFetchSchedule.get(channel.id) ?? 0) >= FETCH_SCHEDULE_MS) {
      this.lastFetchSchedule.set(channel.id, this.now());
      void this.schedule(channel).catch((e) => this.logger.error({ err: e, channelId: channel.id }, 'DJ scheduling failed'));
    }
    const rows = new Map((await this.repo.introsFor(channel.id, items.filter((i) => i.assetId).map(introItemKey))).map((r) => [r.item_key, r]));
    return items.map((i) => {
      const r = i.assetId ? rows.get(introItemKey(i)) : undefined;
      if (!r || !r.voice_sha256 || !r.duration || r.duration * 1000 > i.end - i.start - TAIL_MS) return i;
      const intro: LiveIntro = { id: r.id, text: r.text, url: this.audioUrl(r), duration: r.duration, source: r.source, duckDb: persona.duck_db };
      return { ...i, intro };
    });
  }

  /** The DJ's voiced line for the item on air, for now playing. */
  async lineFor(channelId: string, item: { assetId: string | null; start: number }): Promise<DjLine | null> {
    if (!item.assetId) return null;
    const [row] = await this.repo.introsFor(channelId, [introItemKey(item)]);
    if (!row || !row.voice_sha256) return null;
    const persona = await this.repo.persona(channelId);
    if (!persona?.enabled) return null;
    return { name: persona.name, text: row.text, source: row.source };
  }

  // ---- the scheduler ----

  async scheduleAll(): Promise<void> {
    for (const id of await this.repo.enabledChannelIds()) {
      const channel = await this.channels.findById(id);
      if (channel && (await this.plan?.isOnAir(channel))) await this.schedule(channel);
    }
  }

  /** Queues a `dj.intro` job for each item in the next 20 minutes that is due one and has none; returns how many. */
  async schedule(channel: ChannelRow): Promise<number> {
    if (!this.plan) return 0;
    const r = await this.lock.run(`dj:${channel.id}`, SCHEDULE_LEASE_MS, () => this.scheduleNow(channel, this.plan!));
    return r.ran ? r.value : 0;
  }

  private async scheduleNow(channel: ChannelRow, plan: DjPlanSource): Promise<number> {
    const persona = await this.repo.persona(channel.id);
    if (!persona?.enabled) return 0;
    const t = this.now();
    // Before the first item is in the play log, each plan is anchored at the time it is asked for: times would not hold.
    if (!(await this.repo.airingAt(channel.id, t))) return 0;
    const { items, timezone } = await plan.upcoming(channel, t, LOOKAHEAD_ITEMS);
    const last = items.at(-1);
    if (last) await this.repo.dropUnplanned(channel.id, t + DJ_MIN_LEAD_MS, last.start, items.filter((i) => i.assetId).map(introItemKey));
    const due = await this.dueItems(channel, persona, items.filter((i) => i.start < t + LOOKAHEAD_MS), t, timezone);
    let queued = 0;
    for (const d of due) {
      const row: DjIntroRow = {
        id: newId(),
        channel_id: channel.id,
        kind: d.kind,
        item_key: introItemKey(d.item),
        asset_id: d.item.assetId,
        title: d.item.title,
        planned_start: d.item.start,
        text: '',
        source: 'template',
        status: 'queued',
        voice_sha256: null,
        duration: null,
        error: null,
        job_id: null,
        edited_by: null,
        created_at: t,
        updated_at: t
      };
      if (!(await this.repo.insertIntro(row))) continue;
      const context = { ...(await this.contextFor(channel, row, persona, timezone)), previous: d.previous, next: d.next };
      const input = await this.jobInput(channel, persona, row, null, context);
      const { job } = await this.jobs.enqueue(channel.project_id, { type: DJ_INTRO, input, idempotencyKey: `${DJ_INTRO}:${channel.id}:${row.item_key}`, maxAttempts: 2 });
      await this.repo.updateIntro(row.id, { job_id: job.id });
      queued++;
    }
    return queued;
  }

  /** The items the policy gives a line and that have none (see dueIntros). */
  private async dueItems(channel: ChannelRow, persona: ChannelDjRow, items: LiveItem[], t: number, timezone: string) {
    const existing = new Set((await this.repo.introsFor(channel.id, items.filter((i) => i.assetId).map(introItemKey))).map((r) => r.item_key));
    let tracksSinceIntro: number | null = null;
    if (persona.policy === 'every-n') {
      const last = await this.repo.lastIntroBefore(channel.id, t);
      tracksSinceIntro = last ? await this.repo.tracksAiredSince(channel.id, last.planned_start, t) : null;
    }
    return dueIntros(items, { policy: persona.policy, everyN: persona.every_n, stationIdHourly: persona.station_id_hourly === 1 }, { now: t, timezone, existing, tracksSinceIntro });
  }

  private async contextFor(channel: ChannelRow, row: DjIntroRow, persona?: ChannelDjRow | null, timezone = 'UTC') {
    const asset = row.asset_id ? await this.assets.findById(row.asset_id) : undefined;
    const uploader = asset?.uploaded_by ? ((await this.users.findById(asset.uploaded_by))?.username ?? '') : '';
    const p = persona === undefined ? await this.repo.persona(channel.id) : persona;
    return {
      kind: row.kind,
      channel: channel.name,
      dj: p?.name ?? 'Your DJ',
      title: asset?.title ?? row.title,
      artist: asset?.artist ?? '',
      uploader,
      description: (asset?.description ?? '').slice(0, 2000),
      timeOfDay: timeOfDay(row.planned_start, timezone),
      previous: null as { title: string; artist: string } | null,
      next: null as { title: string; artist: string } | null
    };
  }

  private async jobInput(channel: ChannelRow, persona: ChannelDjRow | null, row: DjIntroRow, text: string | null, context: Awaited<ReturnType<DjService['contextFor']>>) {
    const voice: Omit<VoiceSettings, 'apiKey'> = persona?.tts_engine
      ? { engine: persona.tts_engine, voice: persona.tts_voice ?? '', rate: persona.tts_rate, pitch: persona.tts_pitch }
      : await this.providers.voiceFor(channel.project_id).then(({ apiKey: _key, ...v }) => v);
    return {
      introId: row.id,
      text,
      source: text !== null ? row.source : null,
      style: persona?.style ?? '',
      context,
      voice,
      avoid: await this.repo.recentTexts(channel.id, 20)
    };
  }

  /** The language model and speech keys for this attempt: handed to the worker, never stored in the job. */
  private async handout(job: JobJson): Promise<Record<string, string>> {
    const llm = (job.input as { text?: string | null }).text ? null : await this.providers.llmFor(job.projectId);
    const voice = await this.providers.voiceFor(job.projectId);
    return {
      ...(llm ? { llmBaseUrl: llm.baseUrl, llmModel: llm.model, ...(llm.apiKey ? { llmKey: llm.apiKey } : {}) } : {}),
      ...(voice.apiKey && (job.input as { voice?: { engine?: string } }).voice?.engine === 'openai' ? { ttsKey: voice.apiKey } : {})
    };
  }

  /** Runs `fn` on the job's intro if this job is still the one that voices it (a later edit replaces it). */
  private async whenCurrent(job: JobJson, fn: (row: DjIntroRow) => Promise<void>): Promise<void> {
    const row = await this.repo.intro((job.input as IntroJobInput).introId);
    if (row && row.job_id === job.id) await fn(row);
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<unknown> {
    const result = djIntroResultSchema.parse(raw);
    await this.whenCurrent(job, (row) =>
      this.repo.updateIntro(row.id, { text: result.text, source: result.source, duration: result.duration, voice_sha256: result.file.sha256, status: 'ready', error: null, updated_at: this.now() })
    );
    return { introId: (job.input as IntroJobInput).introId, text: result.text, source: result.source, duration: result.duration };
  }

  // ---- views ----

  private audioUrl(r: DjIntroRow): string {
    return this.signer.sign(`/api/channels/${r.channel_id}/intros/${r.id}/audio`);
  }

  private introView(r: DjIntroRow): DjIntroView {
    return {
      id: r.id,
      channelId: r.channel_id,
      kind: r.kind,
      itemKey: r.item_key,
      assetId: r.asset_id,
      title: r.title,
      plannedStart: r.planned_start,
      text: r.text,
      source: r.source,
      status: r.status,
      duration: r.duration,
      error: r.error,
      editedBy: r.edited_by,
      audioUrl: r.voice_sha256 ? this.audioUrl(r) : null,
      updatedAt: new Date(r.updated_at).toISOString()
    };
  }

  private async personaView(channel: ChannelRow, row: ChannelDjRow | undefined): Promise<DjPersonaView> {
    const llm = Boolean(await this.providers.llmFor(channel.project_id));
    return {
      channelId: channel.id,
      enabled: row?.enabled === 1,
      name: row?.name ?? 'Your DJ',
      style: row?.style ?? '',
      voice: row?.tts_engine && row.tts_engine !== 'openai' ? { engine: row.tts_engine, voice: row.tts_voice ?? '', rate: row.tts_rate, pitch: row.tts_pitch } : null,
      policy: row?.policy ?? 'every',
      everyN: row?.every_n ?? 3,
      stationIdHourly: row ? row.station_id_hourly === 1 : true,
      duckDb: row?.duck_db ?? DJ_DEFAULT_DUCK_DB,
      llm,
      updatedAt: row ? new Date(row.updated_at).toISOString() : null
    };
  }
}

function timeOfDay(ms: number, zone: string): TimeOfDay {
  return timeOfDayAt(Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(ms)));
}
