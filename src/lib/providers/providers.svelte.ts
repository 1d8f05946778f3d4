import { apiJson, errorFromBody, messageOf } from '$lib/api-client';
import { BUILTIN_VOICES, type AsrEngine, type ProviderTestResult, type ProvidersView, type TtsEngine } from '$lib/ai';

type Kind = 'llm' | 'tts' | 'asr' | 'video' | 'music' | 'staging';

/** A server section (video generation, staging): base URL, model and key. */
interface ServerForm {
  baseUrl: string;
  model: string;
  apiKey: string;
  clearKey: boolean;
}

/** The provider settings page: the saved view, the form's draft, and each provider's last test and the voice preview. */
export class ProvidersState {
  saved = $state<ProvidersView>() as ProvidersView;
  llm = $state({ baseUrl: '', model: '', apiKey: '', clearKey: false });
  tts = $state({ engine: 'festival' as TtsEngine, voice: '', rate: 1, pitch: 0, baseUrl: '', model: '', apiKey: '', clearKey: false });
  asr = $state({ engine: 'builtin' as AsrEngine, baseUrl: '', model: '', apiKey: '', clearKey: false });
  video = $state<ServerForm>({ baseUrl: '', model: '', apiKey: '', clearKey: false });
  staging = $state<ServerForm>({ baseUrl: '', model: '', apiKey: '', clearKey: false });
  music = $state({ engine: 'procedural' as 'procedural' | 'http', baseUrl: '', model: '', apiKey: '', clearKey: false });
  saving = $state<Kind | null>(null);
  testing = $state<Kind | null>(null);
  results = $state<Partial<Record<Kind, ProviderTestResult>>>({});
  errors = $state<Partial<Record<Kind, string>>>({});
  previewText = $state('Good evening, you are listening to the late show. Here is what is coming up next.');
  previewing = $state(false);
  previewUrl = $state<string | null>(null);
  previewError = $state<string | null>(null);

  constructor(
    readonly projectId: string,
    view: ProvidersView
  ) {
    this.reset(view);
  }

  /** Built-in voices for the chosen engine; the speech service takes any voice name. */
  get voices(): readonly string[] {
    return this.tts.engine === 'openai' ? [] : BUILTIN_VOICES[this.tts.engine];
  }

  /** Whether the form differs from what is saved (tests and previews use the saved settings). */
  dirty(kind: Kind): boolean {
    if (kind === 'llm') {
      const p = this.saved.llm.project;
      return this.llm.baseUrl.trim() !== (p.baseUrl ?? '') || this.llm.model.trim() !== (p.model ?? '') || this.llm.apiKey !== '' || this.llm.clearKey;
    }
    if (kind === 'asr') return this.asrDirty();
    if (kind === 'video') return serverDirty(this.video, this.saved.video);
    if (kind === 'staging') return serverDirty(this.staging, this.saved.staging);
    if (kind === 'music') {
      const m = this.music;
      const s = this.saved.music;
      return m.engine !== s.engine || m.baseUrl.trim() !== (s.baseUrl ?? '') || m.model.trim() !== (s.model ?? '') || m.apiKey !== '' || m.clearKey;
    }
    const s = this.saved.tts;
    const t = this.tts;
    return t.engine !== s.engine || t.voice !== s.voice || t.rate !== s.rate || t.pitch !== s.pitch || t.baseUrl.trim() !== (s.baseUrl ?? '') || t.model.trim() !== (s.model ?? '') || t.apiKey !== '' || t.clearKey;
  }

  chooseEngine(engine: TtsEngine): void {
    this.tts.engine = engine;
    if (engine !== 'openai') this.tts.voice = BUILTIN_VOICES[engine][0];
    else if (!this.tts.voice || this.tts.voice === this.saved.tts.voice) this.tts.voice = 'alloy';
  }

  async save(kind: Kind): Promise<void> {
    this.saving = kind;
    this.errors[kind] = undefined;
    this.results[kind] = undefined;
    try {
      const body = kind === 'llm' ? { llm: this.llmPatch() } : kind === 'tts' ? { tts: this.ttsPatch() } : kind === 'asr' ? { asr: this.asrPatch() } : kind === 'music' ? { music: this.musicPatch() } : kind === 'staging' ? { staging: serverPatch(this.staging) } : { video: serverPatch(this.video) };
      this.reset(await apiJson<ProvidersView>(`/api/projects/${this.projectId}/providers`, { method: 'PUT', body }));
    } catch (e) {
      this.errors[kind] = messageOf(e);
    } finally {
      this.saving = null;
    }
  }

  async test(kind: Kind): Promise<void> {
    this.testing = kind;
    this.errors[kind] = undefined;
    this.results[kind] = undefined;
    try {
      this.results[kind] = await apiJson<ProviderTestResult>(`/api/projects/${this.projectId}/providers/test`, { method: 'POST', body: { kind } });
    } catch (e) {
      this.errors[kind] = messageOf(e);
    } finally {
      this.testing = null;
    }
  }

  /** Fetches the saved voice speaking the preview text; the page's audio element plays it. */
  async preview(): Promise<void> {
    this.previewing = true;
    this.previewError = null;
    try {
      const res = await fetch(`/api/projects/${this.projectId}/tts/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: this.previewText }) });
      if (!res.ok) throw errorFromBody(res.status, await res.text());
      if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
      this.previewUrl = URL.createObjectURL(await res.blob());
    } catch (e) {
      this.previewError = messageOf(e);
    } finally {
      this.previewing = false;
    }
  }

  destroy(): void {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
  }

  private llmPatch() {
    const key = this.llm.clearKey ? null : this.llm.apiKey.trim() || undefined;
    return { baseUrl: this.llm.baseUrl.trim() || null, model: this.llm.model.trim() || null, ...(key !== undefined ? { apiKey: key } : {}) };
  }

  private musicPatch() {
    const m = this.music;
    const http = m.engine === 'http';
    const key = m.clearKey ? null : m.apiKey.trim() || undefined;
    return { engine: m.engine, baseUrl: http ? m.baseUrl.trim() || null : null, model: http ? m.model.trim() || null : null, ...(http && key !== undefined ? { apiKey: key } : {}) };
  }

  private ttsPatch() {
    const t = this.tts;
    const service = t.engine === 'openai';
    const key = t.clearKey ? null : t.apiKey.trim() || undefined;
    return {
      engine: t.engine,
      voice: t.voice.trim(),
      rate: Number(t.rate),
      pitch: Number(t.pitch),
      baseUrl: service ? t.baseUrl.trim() || null : null,
      model: service ? t.model.trim() || null : null,
      ...(service && key !== undefined ? { apiKey: key } : {})
    };
  }

  private asrDirty(): boolean {
    const s = this.saved.asr;
    const a = this.asr;
    return a.engine !== s.engine || a.baseUrl.trim() !== (s.baseUrl ?? '') || a.model.trim() !== (s.model ?? '') || a.apiKey !== '' || a.clearKey;
  }

  private asrPatch() {
    const a = this.asr;
    const service = a.engine === 'openai';
    const key = a.clearKey ? null : a.apiKey.trim() || undefined;
    return { engine: a.engine, baseUrl: service ? a.baseUrl.trim() || null : null, model: service ? a.model.trim() || null : null, ...(service && key !== undefined ? { apiKey: key } : {}) };
  }

  private reset(view: ProvidersView): void {
    this.saved = view;
    this.llm = { baseUrl: view.llm.project.baseUrl ?? '', model: view.llm.project.model ?? '', apiKey: '', clearKey: false };
    const m = view.music;
    this.music = { engine: m.engine, baseUrl: m.baseUrl ?? '', model: m.model ?? '', apiKey: '', clearKey: false };
    const t = view.tts;
    this.tts = { engine: t.engine, voice: t.voice, rate: t.rate, pitch: t.pitch, baseUrl: t.baseUrl ?? '', model: t.model ?? '', apiKey: '', clearKey: false };
    this.asr = { engine: view.asr.engine, baseUrl: view.asr.baseUrl ?? '', model: view.asr.model ?? '', apiKey: '', clearKey: false };
    this.video = { baseUrl: view.video.baseUrl ?? '', model: view.video.model ?? '', apiKey: '', clearKey: false };
    this.staging = { baseUrl: view.staging.baseUrl ?? '', model: view.staging.model ?? '', apiKey: '', clearKey: false };
  }
}

function serverDirty(form: ServerForm, saved: { baseUrl: string | null; model: string | null }): boolean {
  return form.baseUrl.trim() !== (saved.baseUrl ?? '') || form.model.trim() !== (saved.model ?? '') || form.apiKey !== '' || form.clearKey;
}

function serverPatch(form: ServerForm) {
  const key = form.clearKey ? null : form.apiKey.trim() || undefined;
  return { baseUrl: form.baseUrl.trim() || null, model: form.model.trim() || null, ...(key !== undefined ? { apiKey: key } : {}) };
}
