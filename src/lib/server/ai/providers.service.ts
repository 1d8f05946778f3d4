import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DEFAULT_TTS, type ProviderTestResult, type ProvidersView, type VoiceSettings } from '$lib/ai';
import { canEdit } from '$lib/editor/model/role';
import { voice, VoiceError } from '../../../../workers/ai/voice';
import type { ProjectProvidersRow, UserRow } from '../db/schema';
import { badRequest, forbidden, tooManyRequests } from '../http/api-error';
import type { ProjectService } from '../project/project.service';
import { LlmClient, type LlmConfig } from './llm-client';
import type { ProvidersRepository } from './providers.repository';
import type { UpdateProvidersInput } from './providers.schema';
import type { SecretBox } from './secret-box';

/** The instance's language model from LLM_BASE_URL / LLM_MODEL / LLM_API_KEY, for projects that set none. */
export interface InstanceLlm {
  baseUrl: string | null;
  model: string | null;
  apiKey: string | null;
}

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
    row.updated_by = user.id;
    row.updated_at = this.now();
    await this.repo.save(row);
    return this.view(row);
  }

  /** Tries the saved settings: lists models and asks for one token, or voices a short line. */
  async test(user: UserRow, projectId: string, kind: 'llm' | 'tts'): Promise<ProviderTestResult> {
    await this.requireEditor(user, projectId);
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

  /** The OpenAI-compatible service a project's captions may be transcribed by (its language model's base URL), or null. */
  async transcriptionFor(projectId: string): Promise<{ baseUrl: string; apiKey: string | null } | null> {
    const row = await this.repo.find(projectId);
    const baseUrl = row?.llm_base_url ?? this.instance.baseUrl;
    return baseUrl ? { baseUrl, apiKey: this.llmKey(row) } : null;
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

  // The instance's key goes only to the instance's own service, never to a base URL a project chose.
  private llmKey(row: ProjectProvidersRow | undefined): string | null {
    if (row?.llm_api_key) return this.box.open(row.llm_api_key);
    return row?.llm_base_url ? null : this.instance.apiKey;
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
      updatedAt: row ? new Date(row.updated_at).toISOString() : null
    };
  }
}
