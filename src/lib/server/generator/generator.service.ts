import { z } from 'zod';
import { newId } from '$lib/editor/model/ids';
import type { ServiceOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { itemsOf } from '$lib/editor/model/playlist/normalize';
import { addPlaylistItems, createPlaylist, removePlaylistItems } from '$lib/editor/model/playlist/operations';
import { setRotation } from '$lib/editor/model/schedule/operations';
import { hash32 } from '$lib/editor/model/schedule/playout-choice';
import { canEdit } from '$lib/editor/model/role';
import {
  bufferState,
  chunksPerPrompt,
  chunksToStart,
  DEFAULT_GENERATOR_CONFIG,
  generationSpeed,
  generatorConfigSchema,
  generatorPatchSchema,
  KEEP_AIRED_CHUNKS,
  MUSIC_GENERATE,
  nextChunk,
  type BufferState,
  type GeneratorBufferView,
  type GeneratorConfig,
  type GeneratorStatusJson,
  type MusicEngine
} from '$lib/generator';
import type { JobJson } from '$lib/job';
import { parseMusicPrompt } from '$lib/music/music-params';
import type { AssetService } from '../asset/asset.service';
import type { MusicProvider, ProvidersService } from '../ai/providers.service';
import type { ChannelService } from '../channel/channel.service';
import type { ChannelGeneratorRow, ChannelRow, GeneratorChunkRow, UserRow } from '../db/schema';
import { ApiError, forbidden, notFound } from '../http/api-error';
import { zodMessage } from '../http/api-route';
import type { JobRepository } from '../job/job.repository';
import type { JobService } from '../job/job.service';
import type { Logger } from '../log';
import type { ProjectService } from '../project/project.service';
import type { DocRegistry } from '../yjs/doc-registry';
import type { LeaseLock } from '../redis/redis-lock';
import type { GeneratorRepository } from './generator.repository';

/** The generator's edits of the project document (new chunks, cleanup) are attributed to it, not to a person. */
export const GENERATOR_ORIGIN: ServiceOrigin = Object.freeze({ kind: 'worker', name: 'generator' });

/** What the server puts in a `music.generate` job (the worker checks the same shape). */
export interface MusicJobInput {
  chunkId: string;
  channelId: string;
  seq: number;
  prompt: string;
  params: ReturnType<typeof parseMusicPrompt>;
  seconds: number;
  seed: number;
  engine: MusicEngine;
  model: string | null;
}

/** What a music worker answers; checked before anything joins the library. */
const musicWorkerResult = z.object({
  file: z.object({
    name: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    mime: z.enum(['audio/flac']),
    meta: z.object({ duration: z.number().positive().max(7200) }).passthrough()
  }),
  generationSeconds: z.number().positive().max(86400),
  engine: z.enum(['procedural', 'http'])
});

/** How a generated asset's description names what made it. */
const MADE_BY: Record<MusicEngine, string> = { procedural: 'the procedural generator', http: 'a MusicGen / AudioCraft server' };

/** After a chunk fails, the channel waits this long before trying again (a server down must not be hammered). */
const FAILURE_PAUSE_MS = (Number(process.env.GENERATOR_FAILURE_PAUSE_SECONDS) || 60) * 1000;
/** The longest one channel's step may hold its lock before another web process may take the step too. */
const STEP_LEASE_MS = 60_000;
/** Speed is averaged over this many recent chunks. */
const SPEED_WINDOW = 10;

/**
 * `buffer`: the buffer's state or its hours (to a tenth) changed, for the studio's dashboard. `depleted` / `recovered`:
 * the buffer fell under the DEPLETED threshold or left it (or the generator was switched off while depleted), once per
 * transition, for webhooks.
 */
export type GeneratorEvent =
  | { type: 'buffer'; channel: ChannelRow; buffer: GeneratorBufferView }
  | { type: 'depleted' | 'recovered'; channel: ChannelRow; buffer: GeneratorBufferView; reason: 'buffer' | 'disabled' };

export interface GeneratorOptions {
  /** How often every enabled generator looks at its buffer (besides when chunks finish or air). */
  tickMs: number;
}

/**
 * Channels that fill their air from a generator: chunks of music made by `music.generate` jobs, appended to the
 * channel's generated playlist with their prompt (so the plan puts the break at each rotation), paced by how many
 * hours are buffered ahead of air, and cleaned up once aired (the last ten kept).
 */
export class GeneratorService {
  private readonly chains = new Map<string, Promise<void>>();
  /** The buffer each channel's studio was last told of by this process, to push changes only. */
  private readonly pushed = new Map<string, string>();
  private readonly listeners = new Set<(e: GeneratorEvent) => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly repo: GeneratorRepository,
    private readonly channels: ChannelService,
    private readonly projects: ProjectService,
    private readonly jobs: JobService,
    private readonly jobRows: JobRepository,
    private readonly assets: AssetService,
    private readonly docs: DocRegistry,
    private readonly providers: ProvidersService,
    private readonly logger: Logger,
    options: GeneratorOptions,
    private readonly lock: LeaseLock,
    private readonly now: () => number = Date.now
  ) {
    jobs.registerKind(MUSIC_GENERATE, {
      urls: (job) => this.handout(job),
      succeeded: (job, raw) => this.applyResult(job, raw),
      stopped: (job) => this.failed(job)
    });
    assets.onEvent((e) => {
      if (e.type !== 'changed' || (e.asset.processing.state !== 'ready' && e.asset.processing.state !== 'failed')) return;
      void this.chunkProcessed(e.asset.id, e.asset.processing.state === 'ready').catch((err) => this.logger.error({ err }, 'generator: marking a chunk failed'));
    });
    this.timer = setInterval(() => void this.tickAll(), options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onEvent(fn: (e: GeneratorEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: GeneratorEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.logger.error({ err }, 'generator listener failed');
      }
    }
  }

  // ---- people ----

  async status(user: UserRow, channelId: string): Promise<GeneratorStatusJson> {
    const channel = await this.channelFor(user, channelId, false);
    return this.statusOf(channel);
  }

  async update(user: UserRow, channelId: string, body: unknown): Promise<GeneratorStatusJson> {
    const channel = await this.channelFor(user, channelId, true);
    const patch = generatorPatchSchema.safeParse(body);
    if (!patch.success) throw new ApiError(400, 'invalid_input', zodMessage(patch.error));
    const row = await this.repo.find(channel.id);
    const merged = generatorConfigSchema.safeParse({ ...configOf(row), ...patch.data });
    if (!merged.success) throw new ApiError(400, 'invalid_input', zodMessage(merged.error));
    const c = merged.data;
    await this.repo.upsert({
      channel_id: channel.id,
      enabled: c.enabled ? 1 : 0,
      prompts: JSON.stringify(c.prompts),
      rotate_seconds: c.rotateSeconds,
      chunk_seconds: c.chunkSeconds,
      thresholds: JSON.stringify(c.thresholds),
      parallel: c.parallel,
      playlist_id: row?.playlist_id ?? null,
      last_error: c.enabled && !row?.enabled ? null : (row?.last_error ?? null),
      updated_at: this.now()
    });
    if (c.enabled) {
      await this.repo.pauseUntil(channel.id, null);
      await this.ensurePlaylist(channel);
    }
    // Switched off, the step only settles the alert.
    await this.tick(channel.id);
    return this.statusOf(channel);
  }

  // ---- the loop ----

  /**
   * Looks at one channel's buffer now: marks what aired, cleans up, starts what the state asks for. Serialised per
   * channel here, and across web processes by a lease lock (a step another process is taking is skipped: it sees the
   * same buffer).
   */
  tick(channelId: string): Promise<void> {
    const next = (this.chains.get(channelId) ?? Promise.resolve())
      .then(async () => {
        await this.lock.run(`generator:${channelId}`, STEP_LEASE_MS, () => this.step(channelId));
      })
      .catch((err) => this.logger.error({ err, channelId }, 'generator tick failed'));
    this.chains.set(channelId, next);
    void next.finally(() => {
      if (this.chains.get(channelId) === next) this.chains.delete(channelId);
    });
    return next;
  }

  async tickAll(): Promise<void> {
    for (const id of await this.repo.enabledChannels().catch(() => [])) await this.tick(id);
  }

  private async step(channelId: string): Promise<void> {
    const row = await this.repo.find(channelId);
    const channel = row ? await this.channels.findById(channelId) : undefined;
    if (!row || !channel) return;
    const config = configOf(row);
    if (!row.enabled) {
      const { state, hours } = this.bufferOf(await this.repo.chunks(channelId), config);
      await this.settle(channel, { enabled: false, state, hoursBuffered: hours, depletedBelowHours: config.thresholds.emergency });
      return;
    }
    await this.repo.markAired(channelId);
    const chunks = await this.cleanup(channel, await this.repo.chunks(channelId));
    const { state, hours } = this.bufferOf(chunks, config);
    await this.settle(channel, { enabled: true, state, hoursBuffered: hours, depletedBelowHours: config.thresholds.emergency });
    if ((row.paused_until ?? 0) > this.now()) return;
    const inFlight = chunks.filter((c) => c.state === 'generating').length;
    const start = chunksToStart(state, inFlight, config.parallel);
    for (let i = 0; i < start; i++) if (!(await this.startChunk(channel, config, chunks))) break;
  }

  /**
   * Tells the studio of a changed buffer, and the webhooks (and the log) of entering or leaving DEPLETED, once each:
   * the state is in the database, so once across web processes and restarts.
   */
  private async settle(channel: ChannelRow, buffer: GeneratorBufferView): Promise<void> {
    const seen = JSON.stringify([buffer.enabled, buffer.state, buffer.hoursBuffered.toFixed(1)]);
    if (this.pushed.get(channel.id) !== seen) {
      this.pushed.set(channel.id, seen);
      this.emit({ type: 'buffer', channel, buffer });
    }
    const depleted = buffer.enabled && buffer.state === 'DEPLETED';
    if (!(await this.repo.markDepleted(channel.id, depleted))) return;
    if (depleted) {
      this.logger.warn({ channelId: channel.id, hours: buffer.hoursBuffered }, 'generator buffer depleted: the plan falls back to the rotation, the fallback playlist, then the station ID');
      this.emit({ type: 'depleted', channel, buffer, reason: 'buffer' });
    } else {
      this.emit({ type: 'recovered', channel, buffer, reason: buffer.enabled ? 'buffer' : 'disabled' });
    }
  }

  /** Queues the next chunk's job; false when it could not be queued (then the channel pauses and says why). */
  private async startChunk(channel: ChannelRow, config: GeneratorConfig, chunks: GeneratorChunkRow[]): Promise<boolean> {
    const place = nextChunk(chunks.map((c) => ({ promptIndex: c.prompt_index, duration: c.duration })), config);
    const prompt = config.prompts[place.promptIndex];
    const seq = await this.repo.nextSeq(channel.id);
    const provider = await this.providers.musicFor(channel.project_id);
    const row: GeneratorChunkRow = {
      id: newId(),
      channel_id: channel.id,
      seq,
      prompt_index: place.promptIndex,
      prompt,
      job_id: null,
      asset_id: null,
      item_id: null,
      duration: place.duration,
      state: 'generating',
      generation_seconds: null,
      created_at: this.now()
    };
    const input: MusicJobInput = {
      chunkId: row.id,
      channelId: channel.id,
      seq,
      prompt,
      params: parseMusicPrompt(prompt),
      seconds: place.duration,
      seed: hash32(`${channel.id}|${seq}`),
      engine: provider.engine,
      model: provider.engine === 'http' ? provider.model : null
    };
    // Its seq taken: another web process started this chunk first (the lock's lease ran out mid-step).
    if (!(await this.repo.insertChunk(row))) return false;
    try {
      // A MusicGen server is priced per minute of music made (the ledger charges as the job is queued); the procedural
      // generator runs on the box's own CPU at ~70× real time, free like uploads' processing.
      const { job } = await this.jobs.enqueue(channel.project_id, { type: MUSIC_GENERATE, input, createdBy: null, maxAttempts: 3, contentSeconds: provider.engine === 'http' ? place.duration : 0, idempotencyKey: `${MUSIC_GENERATE}:${row.id}` });
      await this.repo.updateChunk(row.id, { job_id: job.id });
      chunks.push({ ...row, job_id: job.id });
      return true;
    } catch (e) {
      await this.repo.updateChunk(row.id, { state: 'failed' });
      await this.repo.setLastError(channel.id, `Could not queue the next chunk: ${(e as Error).message}`);
      await this.repo.pauseUntil(channel.id, this.now() + FAILURE_PAUSE_MS);
      return false;
    }
  }

  /** Aired chunks beyond the last ten leave the playlist and the library; ready chunks the air has passed count as aired. */
  private async cleanup(channel: ChannelRow, chunks: GeneratorChunkRow[]): Promise<GeneratorChunkRow[]> {
    const lastAired = lastAiredSeq(chunks);
    const aired = chunks.filter((c) => c.state === 'aired' || (c.state === 'ready' && c.seq < lastAired));
    const old = aired.slice(0, Math.max(0, aired.length - KEEP_AIRED_CHUNKS));
    if (old.length === 0) return chunks;
    const itemIds = new Set(old.map((c) => c.item_id).filter((id): id is string => id !== null));
    await this.docs.edit(channel.project_id, GENERATOR_ORIGIN, (pd) => {
      const s = pd.playlists.snapshot();
      const present = s.items.filter((i) => itemIds.has(i.id)).map((i) => i.id);
      if (present.length === 0) return;
      const r = removePlaylistItems(s, { itemIds: present });
      if (r.ok) pd.playlists.apply(r.changes);
    });
    for (const c of old) if (c.asset_id) await this.assets.deleteGenerated(c.asset_id);
    await this.repo.deleteChunks(old.map((c) => c.id));
    const gone = new Set(old.map((c) => c.id));
    return chunks.filter((c) => !gone.has(c.id));
  }

  private bufferOf(chunks: readonly GeneratorChunkRow[], config: GeneratorConfig): { hours: number; state: BufferState } {
    const lastAired = lastAiredSeq(chunks);
    const seconds = chunks.filter((c) => c.state === 'ready' && c.seq > lastAired).reduce((sum, c) => sum + c.duration, 0);
    const hours = seconds / 3600;
    return { hours, state: bufferState(hours, config.thresholds) };
  }

  // ---- jobs ----

  /** The HTTP engine's endpoint and key, handed to the worker with each attempt and never stored in the job. */
  private async handout(job: JobJson): Promise<Record<string, string>> {
    if ((job.input as MusicJobInput).engine !== 'http') return {};
    const provider: MusicProvider = await this.providers.musicFor(job.projectId);
    if (provider.engine !== 'http') throw new Error('the project no longer has a music server set');
    return { musicBaseUrl: provider.baseUrl, ...(provider.apiKey ? { musicKey: provider.apiKey } : {}) };
  }

  private async applyResult(job: JobJson, raw: unknown): Promise<unknown> {
    const result = musicWorkerResult.parse(raw);
    const input = job.input as MusicJobInput;
    const chunk = await this.repo.findChunk(input.chunkId);
    const channel = await this.channels.findById(input.channelId);
    if (!chunk || !channel) throw new Error('the channel or its generator chunk was removed while the music was made');
    const duration = result.file.meta.duration;
    const asset = await this.assets.addGenerated({
      projectId: job.projectId,
      sha256: result.file.sha256,
      bytes: result.file.bytes,
      mime: result.file.mime,
      extension: 'flac',
      title: `${channel.name} – generated ${chunk.seq}`,
      description: `Made by ${MADE_BY[result.engine]} from the prompt “${chunk.prompt}”.`,
      engine: result.engine,
      duration
    });
    const itemId = await this.append(channel, chunk, asset.id, duration);
    const ready = asset.processing.state === 'ready';
    await this.repo.updateChunk(chunk.id, { asset_id: asset.id, item_id: itemId, duration, generation_seconds: result.generationSeconds, ...(ready ? { state: 'ready' } : {}) });
    await this.repo.setLastError(channel.id, null);
    return { assetId: asset.id, chunkId: chunk.id, seq: chunk.seq, itemId };
  }

  private async failed(job: JobJson): Promise<void> {
    const input = job.input as MusicJobInput;
    const chunk = await this.repo.findChunk(input.chunkId);
    if (!chunk || chunk.state !== 'generating') return;
    await this.repo.updateChunk(chunk.id, { state: 'failed' });
    await this.repo.setLastError(chunk.channel_id, `Chunk ${chunk.seq} (“${chunk.prompt.slice(0, 60)}”) failed: ${job.error ?? job.status}`);
    await this.repo.pauseUntil(chunk.channel_id, this.now() + FAILURE_PAUSE_MS);
  }

  /** The chunk's broadcast copy is made (or could not be): it now counts in the buffer. */
  private async chunkProcessed(assetId: string, ok: boolean): Promise<void> {
    const chunk = await this.repo.findChunkByAsset(assetId);
    if (!chunk || chunk.state !== 'generating') return;
    await this.repo.updateChunk(chunk.id, { state: ok ? 'ready' : 'failed' });
    if (!ok) await this.repo.setLastError(chunk.channel_id, `Chunk ${chunk.seq}'s broadcast copy could not be made.`);
    void this.tick(chunk.channel_id);
  }

  // ---- the document ----

  /** The channel's generated playlist, made on first use; it joins the default rotation when that is empty. */
  private async ensurePlaylist(channel: ChannelRow): Promise<string> {
    const row = await this.repo.find(channel.id);
    const playlistId = await this.docs.edit(channel.project_id, GENERATOR_ORIGIN, (pd) => this.playlistIn(pd, channel, row?.playlist_id ?? null));
    if (playlistId !== row?.playlist_id) await this.repo.setPlaylist(channel.id, playlistId);
    return playlistId;
  }

  private playlistIn(pd: ProjectDoc, channel: ChannelRow, known: string | null): string {
    const s = pd.playlists.snapshot();
    if (known && s.playlists.some((p) => p.id === known)) return known;
    const made = createPlaylist(s, { name: `${channel.name} generator`.slice(0, 80), kind: 'generated', playback: 'sequential' });
    if (!made.ok) throw new Error(made.reason);
    pd.playlists.apply(made.changes);
    const id = made.created[0];
    const schedule = pd.schedule.snapshot(new Set([...s.playlists.map((p) => p.id), id]));
    if (schedule.settings.rotation.length === 0) {
      const r = setRotation(schedule, { rotation: [{ playlistId: id, weight: 1 }] });
      if (r.ok) pd.schedule.apply(r.changes);
    }
    return id;
  }

  /** Adds the chunk's asset to the playlist in seq order (parallel jobs may finish out of order); returns the item id. */
  private async append(channel: ChannelRow, chunk: GeneratorChunkRow, assetId: string, duration: number): Promise<string | null> {
    const row = await this.repo.find(channel.id);
    const later = new Set((await this.repo.chunks(channel.id)).filter((c) => c.seq > chunk.seq && c.item_id).map((c) => c.item_id!));
    const itemId = await this.docs.edit(channel.project_id, GENERATOR_ORIGIN, (pd) => {
      const playlistId = this.playlistIn(pd, channel, row?.playlist_id ?? null);
      const s = pd.playlists.snapshot();
      const items = itemsOf(s, playlistId);
      const existing = items.find((i) => i.assetId === assetId);
      if (existing) return { playlistId, itemId: existing.id };
      const firstLater = items.findIndex((i) => later.has(i.id));
      const r = addPlaylistItems(s, { playlistId, assetIds: [assetId], assets: { [assetId]: { duration, approved: true } }, prompt: chunk.prompt, index: firstLater >= 0 ? firstLater : items.length });
      if (!r.ok) throw new Error(r.reason);
      pd.playlists.apply(r.changes);
      return { playlistId, itemId: r.created[0] };
    });
    if (itemId.playlistId !== row?.playlist_id) await this.repo.setPlaylist(channel.id, itemId.playlistId);
    return itemId.itemId;
  }

  // ---- views ----

  private async statusOf(channel: ChannelRow): Promise<GeneratorStatusJson> {
    const row = await this.repo.find(channel.id);
    const config = configOf(row);
    const chunks = await this.repo.chunks(channel.id);
    const { hours, state } = this.bufferOf(chunks, config);
    const lastAired = lastAiredSeq(chunks);
    const prompts = config.prompts.map((prompt, index) => ({ index, prompt, ready: 0, aired: 0, generating: 0 }));
    for (const c of chunks) {
      const p = prompts[c.prompt_index];
      if (!p || p.prompt !== c.prompt) continue;
      if (c.state === 'generating') p.generating++;
      else if (c.state === 'aired' || c.seq < lastAired) p.aired++;
      else p.ready++;
    }
    const generating: GeneratorStatusJson['generating'] = [];
    for (const c of chunks.filter((c) => c.state === 'generating')) {
      const job = c.job_id ? await this.jobRows.findById(c.job_id) : undefined;
      generating.push({ chunkId: c.id, promptIndex: c.prompt_index, prompt: c.prompt, duration: c.duration, progress: job?.status === 'succeeded' ? 1 : (job?.progress ?? 0), message: job?.status === 'succeeded' ? 'Making the broadcast copy' : (job?.progress_message ?? (job?.status === 'queued' ? 'Waiting for a worker' : null)) });
    }
    const made = chunks.filter((c) => c.generation_seconds !== null).slice(-SPEED_WINDOW);
    const provider = await this.providers.musicFor(channel.project_id);
    let inRotation = false;
    if (row?.playlist_id) {
      const doc = await this.docs.copyOf(channel.project_id);
      const pd = new ProjectDoc(doc);
      const ids = new Set(pd.playlists.snapshot().playlists.map((p) => p.id));
      const schedule = pd.schedule.snapshot(ids);
      inRotation = schedule.settings.rotation.some((w) => w.playlistId === row.playlist_id) || schedule.blocks.some((b) => b.playlists.some((w) => w.playlistId === row.playlist_id));
      doc.destroy();
    }
    return {
      channelId: channel.id,
      config,
      engine: provider.engine,
      playlistId: row?.playlist_id ?? null,
      inRotation,
      hoursBuffered: hours,
      state,
      speed: generationSpeed(made.map((c) => ({ duration: c.duration, generationSeconds: c.generation_seconds }))),
      prompts,
      generating,
      lastError: row?.last_error ?? null,
      chunksPerPrompt: chunksPerPrompt(config)
    };
  }

  private async channelFor(user: UserRow, channelId: string, edit: boolean): Promise<ChannelRow> {
    const channel = await this.channels.findById(channelId);
    const role = channel ? await this.projects.roleOf(user.id, channel.project_id) : null;
    if (!channel || !role) throw notFound('No such channel, or you are not a member of its project.');
    if (edit && !canEdit(role)) throw forbidden('Viewers cannot change the generator: ask the owner for the editor role.');
    return channel;
  }
}

/** The seq of the last chunk that aired (0 when none has). */
function lastAiredSeq(chunks: readonly GeneratorChunkRow[]): number {
  let last = 0;
  for (const c of chunks) if (c.state === 'aired' && c.seq > last) last = c.seq;
  return last;
}

/** The stored settings, or the defaults for a channel that never had any. */
function configOf(row: ChannelGeneratorRow | undefined): GeneratorConfig {
  if (!row) return DEFAULT_GENERATOR_CONFIG;
  const parsed = generatorConfigSchema.safeParse({
    enabled: row.enabled === 1,
    prompts: JSON.parse(row.prompts),
    rotateSeconds: row.rotate_seconds,
    chunkSeconds: row.chunk_seconds,
    thresholds: JSON.parse(row.thresholds),
    parallel: row.parallel
  });
  return parsed.success ? parsed.data : DEFAULT_GENERATOR_CONFIG;
}
