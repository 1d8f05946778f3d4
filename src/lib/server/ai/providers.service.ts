import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DEFAULT_ASR_MODEL, DEFAULT_MUSIC, DEFAULT_TTS, type StagingSettingsView, type AsrEngine, type AsrSettingsView, type ProviderTestResult, type ProvidersView, type VideoKind, type VideoSettingsView, type VoiceSettings } from '$lib/ai';
import { parseMusicPrompt } from '$lib/music/music-params';
import { renderProcedural } from '$lib/music/procedural';
import { generateOverHttp } from '../../../../workers/music/music-http';
import { readProbe } from '../../../../workers/media/probe';
import { canEdit } from '$lib/editor/model/role';
import { voice, VoiceError } from '../../../../workers/ai/voice';
import type { ProjectProvidersRow, UserRow } from '../db/schema';
import { badRequest, forbidden, tooManyRequests } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import { LlmClient, type LlmConfig } from './llm-client';
import { checkModelService } from './model-check';
import type { ProvidersRepository } from './providers.repository';
import type { UpdateProvidersInput } from './providers.schema';
import type { SecretBox } from './secret-box';

/** The instance's language model from LLM_BASE_URL / LLM_MODEL / LLM_API_KEY, for projects that set none. */
export interface InstanceLlm {
  baseUrl: string | null;
  model: string | null;
  apiKey: string | null;
}

/** Where a project's generated music comes from. */
export type MusicProvider = { engine: 'procedural' } | { engine: 'http'; baseUrl: string; model: string | null; apiKey: string | null };

/** Voice previews per user: each one runs a synthesiser process. */
const PREVIEWS_PER_MINUTE = 10;

/**
 * A project's AI providers: owners and editors set the language model and the voice; every member sees them, but
 * API keys never leave the server (views say `hasKey`). Other services ask `llmFor` / `voiceFor` for what to call.
 */
export class ProvidersService {
  private readonly previewLimiter = new RateLimiterMemory({ points: PREVIEWS_PER_MINUTE, duration: 60 });

  constructor(
    private readonly repo: ProvidersRepository,
    private readonly projects: ProjectService,
    private readonly box: SecretBox,
    private readonly instance: InstanceLlm,
    private readonly now: () => number = Date.now
  ) {}

  async get(user: UserRow, projectId: string): Promise<ProvidersView> {
    await this.projects.requireRole(user.id, projectId);
    return this.view(await this.repo.find(projectId));
  }

  async update(user: UserRow, projectId: string, input: UpdateProvidersInput): Promise<ProvidersView> {
    await this.requireEditor(user, projectId);
    const current = await this.repo.find(projectId);
    const row: ProjectProvidersRow = current ?? {
      project_id: projectId,
      llm_base_url: null,
      llm_model: null,
      llm_api_key: null,
      tts_engine: DEFAULT_TTS.engine,
      tts_voice: DEFAULT_TTS.voice,
      tts_rate: DEFAULT_TTS.rate,
      tts_pitch: DEFAULT_TTS.pitch,
      tts_base_url: null,
      tts_model: null,
      tts_api_key: null,
      video_base_url: null,
      video_model: null,
      video_api_key: null,
      video_kind: 'openai-videos',
      asr_engine: 'builtin',
      asr_base_url: null,
      asr_model: null,
      asr_api_key: null,
      music_engine: 'procedural',
      music_base_url: null,
      music_model: null,
      music_api_key: null,
      staging_base_url: null,
      staging_model: null,
      staging_api_key: null,
      updated_by: null,
      updated_at: 0
    };
    if (input.llm) {
      if (input.llm.baseUrl !== undefined) row.llm_base_url = input.llm.baseUrl;
      if (input.llm.model !== undefined) row.llm_model = input.llm.model;
      if (input.llm.apiKey !== undefined) row.llm_api_key = input.llm.apiKey === null ? null : this.box.seal(input.llm.apiKey);
    }
    if (input.tts) {
      const t = input.tts;
      const builtin = t.engine !== 'openai';
      Object.assign(row, { tts_engine: t.engine, tts_voice: t.voice, tts_rate: t.rate, tts_pitch: t.pitch, tts_base_url: builtin ? null : t.baseUrl, tts_model: builtin ? null : t.model });
      if (builtin) row.tts_api_key = null;
      else if (t.apiKey !== undefined) row.tts_api_key = t.apiKey === null ? null : this.box.seal(t.apiKey);
    }
    if (input.asr) this.applyAsr(row, input.asr);
    if (input.video) this.applyVideo(row, input.video);
    if (input.staging) {
      row.staging_base_url = input.staging.baseUrl;
      row.staging_model = input.staging.model;
      row.staging_api_key = this.keyFor(input.staging.baseUrl, input.staging.apiKey, row.staging_api_key);
    }
    if (input.music) {
      const m = input.music;
      const http = m.engine === 'http';
      Object.assign(row, { music_engine: m.engine, music_base_url: http ? m.baseUrl : null, music_model: http ? m.model : null });
      if (!http) row.music_api_key = null;
      else if (m.apiKey !== undefined) row.music_api_key = m.apiKey === null ? null : this.box.seal(m.apiKey);
    }
    row.updated_by = user.id;
    row.updated_at = this.now();
    await this.repo.save(row);
    return this.view(row);
  }

  /** Tries the saved settings: lists models and asks for one token, or voices a short line. */
  async test(user: UserRow, projectId: string, kind: 'llm' | 'tts' | 'asr' | 'video' | 'music' | 'staging'): Promise<ProviderTestResult> {
    await this.requireEditor(user, projectId);
    if (kind === 'staging') return this.testStaging(projectId);
    if (kind === 'music') return this.testMusic(projectId);
    if (kind === 'asr') return this.testAsr(projectId);
    if (kind === 'video') return this.testVideo(projectId);
    if (kind === 'llm') {
      const config = await this.llmFor(projectId);
      if (!config) return { ok: false, message: 'No language model is configured: set a base URL and a model.' };
      return new LlmClient(config, { timeoutMs: 10_000, maxRetries: 0 }).test();
    }
    const settings = await this.voiceFor(projectId);
    const started = this.now();
    try {
      const voiced = await this.withVoicing('A short test of this voice.', settings, async (v) => v.durationSeconds);
      return { ok: true, message: `${settings.engine} (${settings.voice}) spoke ${voiced.toFixed(1)} s of audio in ${((this.now() - started) / 1000).toFixed(1)} s.` };
    } catch (e) {
      if (e instanceof VoiceError) return { ok: false, message: e.message };
      throw e;
    }
  }

  /** Renders a few seconds with the procedural generator, or asks the MusicGen server for a short clip. */
  private async testMusic(projectId: string): Promise<ProviderTestResult> {
    const provider = await this.musicFor(projectId);
    const started = performance.now();
    if (provider.engine === 'procedural') {
      const seconds = 10;
      renderProcedural(parseMusicPrompt('lofi chill, rhodes, vinyl'), seconds, 1);
      const wall = (performance.now() - started) / 1000;
      return { ok: true, message: `The procedural generator rendered ${seconds} s of music in ${wall.toFixed(2)} s (${(seconds / wall).toFixed(0)}× real time) in the web process.` };
    }
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airstudio-music-test-'));
    try {
      const out = path.join(dir, 'test.flac');
      await generateOverHttp(provider, { prompt: 'lofi chill, rhodes', seconds: 2, seed: 1 }, dir, out, AbortSignal.timeout(120_000));
      const duration = Number((await readProbe(out)).format.duration);
      return { ok: true, message: `${provider.baseUrl} made ${duration.toFixed(1)} s of audio in ${((performance.now() - started) / 1000).toFixed(1)} s.` };
    } catch (e) {
      return { ok: false, message: `The music server did not make audio: ${(e as Error).message}` };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** Speaks a short text with the project's voice (or `voice`, a built-in one such as a DJ persona's): the WAV bytes and their duration. */
  async preview(user: UserRow, projectId: string, text: string, voice?: VoiceSettings): Promise<{ audio: Buffer; durationSeconds: number }> {
    await this.requireEditor(user, projectId);
    try {
      await this.previewLimiter.consume(user.id);
    } catch (e) {
      if (e instanceof RateLimiterRes) throw tooManyRequests(e.msBeforeNext / 1000, `At most ${PREVIEWS_PER_MINUTE} voice previews a minute: wait a moment.`);
      throw e;
    }
    const settings = voice ?? (await this.voiceFor(projectId));
    try {
      return await this.withVoicing(text, settings, async (v) => ({ audio: await fs.readFile(v.file), durationSeconds: v.durationSeconds }));
    } catch (e) {
      if (e instanceof VoiceError) throw badRequest(e.message, 'voice_failed');
      throw e;
    }
  }

  /** The language model a project's assistant and DJ call, or null when neither the project nor the instance set one. */
  async llmFor(projectId: string): Promise<LlmConfig | null> {
    const row = await this.repo.find(projectId);
    const baseUrl = row?.llm_base_url ?? this.instance.baseUrl;
    const model = row?.llm_model ?? this.instance.model;
    if (!baseUrl || !model) return null;
    return { baseUrl, model, apiKey: this.llmKey(row) };
  }

  /**
   * The OpenAI-compatible service a project's captions are transcribed by: the ASR section's own base URL, else (as
   * before ASR had settings) the language model's; null when neither is set. `model` is the ASR section's, if any.
   */
  async transcriptionFor(projectId: string): Promise<{ baseUrl: string; apiKey: string | null; model: string | null } | null> {
    const row = await this.repo.find(projectId);
    if (row?.asr_base_url) return { baseUrl: row.asr_base_url, apiKey: this.opened(row.asr_api_key), model: row.asr_model };
    const baseUrl = row?.llm_base_url ?? this.instance.baseUrl;
    return baseUrl ? { baseUrl, apiKey: this.llmKey(row), model: row?.asr_model ?? null } : null;
  }

  /** The engine a caption run uses when it names none: the project's ASR setting. */
  async asrEngineFor(projectId: string): Promise<AsrEngine> {
    return (await this.repo.find(projectId))?.asr_engine ?? 'builtin';
  }

  /** The project's video generation server, key decrypted, or null when it has none. */
  async videoFor(projectId: string): Promise<{ kind: VideoKind; baseUrl: string; model: string; apiKey: string | null } | null> {
    const row = await this.repo.find(projectId);
    if (!row?.video_base_url || !row.video_model) return null;
    return { kind: row.video_kind, baseUrl: row.video_base_url, model: row.video_model, apiKey: this.opened(row.video_api_key) };
  }

  /** The project's staging provider (an OpenAI-compatible image-edit server), key decrypted, or null when it has none. */
  async stagingFor(projectId: string): Promise<{ baseUrl: string; model: string; apiKey: string | null } | null> {
    const row = await this.repo.find(projectId);
    if (!row?.staging_base_url || !row.staging_model) return null;
    return { baseUrl: row.staging_base_url, model: row.staging_model, apiKey: this.opened(row.staging_api_key) };
  }

  /** The voice a project speaks with, keys decrypted: for the DJ's voicing jobs and previews. */
  async voiceFor(projectId: string): Promise<VoiceSettings> {
    const row = await this.repo.find(projectId);
    if (!row) return { engine: DEFAULT_TTS.engine, voice: DEFAULT_TTS.voice, rate: DEFAULT_TTS.rate, pitch: DEFAULT_TTS.pitch };
    return {
      engine: row.tts_engine,
      voice: row.tts_voice,
      rate: row.tts_rate,
      pitch: row.tts_pitch,
      baseUrl: row.tts_base_url ?? undefined,
      model: row.tts_model ?? undefined,
      apiKey: (row.tts_api_key && this.box.open(row.tts_api_key)) || undefined
    };
  }

  /** The music engine a project's generators use, key decrypted: the procedural generator unless an HTTP server is set. */
  async musicFor(projectId: string): Promise<MusicProvider> {
    const row = await this.repo.find(projectId);
    if (row?.music_engine !== 'http' || !row.music_base_url) return { engine: 'procedural' };
    return { engine: 'http', baseUrl: row.music_base_url, model: row.music_model, apiKey: (row.music_api_key && this.box.open(row.music_api_key)) || null };
  }

  // The instance's key goes only to the instance's own service, never to a base URL a project chose.
  private llmKey(row: ProjectProvidersRow | undefined): string | null {
    if (row?.llm_api_key) return this.box.open(row.llm_api_key);
    return row?.llm_base_url ? null : this.instance.apiKey;
  }

  private applyAsr(row: ProjectProvidersRow, a: NonNullable<UpdateProvidersInput['asr']>): void {
    row.asr_engine = a.engine;
    row.asr_base_url = a.baseUrl;
    row.asr_model = a.model;
    // A key without a URL of its own would go to the language model's service: it is dropped with the URL.
    row.asr_api_key = this.keyFor(a.baseUrl, a.apiKey, row.asr_api_key);
  }

  private applyVideo(row: ProjectProvidersRow, v: NonNullable<UpdateProvidersInput['video']>): void {
    row.video_kind = v.kind;
    row.video_base_url = v.baseUrl;
    row.video_model = v.model;
    row.video_api_key = this.keyFor(v.baseUrl, v.apiKey, row.video_api_key);
  }

  /** The sealed key a service section keeps: none without a URL; undefined keeps the saved one, null removes it. */
  private keyFor(baseUrl: string | null, apiKey: string | null | undefined, saved: string | null): string | null {
    if (!baseUrl) return null;
    if (apiKey === undefined) return saved;
    return apiKey === null ? null : this.box.seal(apiKey);
  }

  private async testAsr(projectId: string): Promise<ProviderTestResult> {
    if ((await this.asrEngineFor(projectId)) === 'builtin') {
      return { ok: true, message: 'Built-in pocketsphinx runs on the workers (English, modest accuracy): nothing to connect to.' };
    }
    const service = await this.transcriptionFor(projectId);
    if (!service) return { ok: false, message: 'No transcription service is set: give a base URL here, or set the language model’s.' };
    return checkModelService(service.baseUrl, service.apiKey, service.model ?? DEFAULT_ASR_MODEL, 'transcription service');
  }

  private async testVideo(projectId: string): Promise<ProviderTestResult> {
    const server = await this.videoFor(projectId);
    if (!server) return { ok: false, message: 'No video generation server is set: give a base URL and a model.' };
    return checkModelService(server.baseUrl, server.apiKey, server.model, 'video generation server');
  }

  private async testStaging(projectId: string): Promise<ProviderTestResult> {
    const server = await this.stagingFor(projectId);
    if (!server) return { ok: false, message: 'No staging provider is set: give a base URL and a model.' };
    return checkModelService(server.baseUrl, server.apiKey, server.model, 'staging provider');
  }

  private opened(sealed: string | null | undefined): string | null {
    return (sealed && this.box.open(sealed)) || null;
  }

  /** A key sealed under another signing secret cannot be used, so it does not count as set. */
  private readable(sealed: string | null | undefined): boolean {
    return Boolean(sealed && this.box.open(sealed));
  }

  private async withVoicing<T>(text: string, settings: VoiceSettings, use: (v: { file: string; durationSeconds: number }) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airstudio-preview-'));
    try {
      return await use(await voice(text, settings, path.join(dir, 'voice.wav')));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private async requireEditor(user: UserRow, projectId: string): Promise<void> {
    const role = await this.projects.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Only owners and editors change or try the AI providers.');
  }

  private view(row: ProjectProvidersRow | undefined): ProvidersView {
    const project = { baseUrl: row?.llm_base_url ?? null, model: row?.llm_model ?? null, hasKey: this.readable(row?.llm_api_key) };
    const instance = { baseUrl: this.instance.baseUrl, model: this.instance.model, hasKey: Boolean(this.instance.apiKey) };
    const baseUrl = project.baseUrl ?? instance.baseUrl;
    const model = project.model ?? instance.model;
    const configured = Boolean(baseUrl && model);
    return {
      llm: {
        baseUrl,
        model,
        hasKey: Boolean(this.llmKey(row)),
        source: !configured ? 'none' : project.baseUrl || project.model ? 'project' : 'instance',
        project,
        instance
      },
      tts: row
        ? { engine: row.tts_engine, voice: row.tts_voice, rate: row.tts_rate, pitch: row.tts_pitch, baseUrl: row.tts_base_url, model: row.tts_model, hasKey: this.readable(row.tts_api_key) }
        : DEFAULT_TTS,
      asr: this.asrView(row),
      video: this.videoView(row),
      staging: this.stagingView(row),
      music: row ? { engine: row.music_engine, baseUrl: row.music_base_url, model: row.music_model, hasKey: this.readable(row.music_api_key) } : DEFAULT_MUSIC,
      updatedAt: row ? new Date(row.updated_at).toISOString() : null
    };
  }

  private asrView(row: ProjectProvidersRow | undefined): AsrSettingsView {
    const fallback = row?.llm_base_url ?? this.instance.baseUrl;
    return {
      engine: row?.asr_engine ?? 'builtin',
      baseUrl: row?.asr_base_url ?? null,
      model: row?.asr_model ?? null,
      hasKey: this.readable(row?.asr_api_key),
      service: row?.asr_base_url ? 'asr' : fallback ? 'llm' : 'none'
    };
  }

  private videoView(row: ProjectProvidersRow | undefined): VideoSettingsView {
    const baseUrl = row?.video_base_url ?? null;
    const model = row?.video_model ?? null;
    return { kind: row?.video_kind ?? 'openai-videos', baseUrl, model, hasKey: this.readable(row?.video_api_key), configured: Boolean(baseUrl && model) };
  }

  private stagingView(row: ProjectProvidersRow | undefined): StagingSettingsView {
    const baseUrl = row?.staging_base_url ?? null;
    const model = row?.staging_model ?? null;
    return { baseUrl, model, hasKey: this.readable(row?.staging_api_key), configured: Boolean(baseUrl && model) };
  }
}
