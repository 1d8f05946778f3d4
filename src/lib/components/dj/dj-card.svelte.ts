import { apiJson, errorFromBody, messageOf } from '$lib/api-client';
import { BUILTIN_VOICES } from '$lib/ai';
import type { DjPersonaView, DjPolicy } from '$lib/dj';
import { DjIntros } from './dj-intros.svelte';

export interface DjDraft {
  enabled: boolean;
  name: string;
  style: string;
  /** "" for the project's voice, else "<engine>:<voice>". */
  voice: string;
  rate: number;
  pitch: number;
  policy: DjPolicy;
  everyN: number;
  stationIdHourly: boolean;
  duckDb: number;
}

/** Every built-in voice as a select option: "<engine>:<voice>". */
export const VOICE_OPTIONS = Object.entries(BUILTIN_VOICES).flatMap(([engine, voices]) => voices.map((v) => ({ value: `${engine}:${v}`, label: `${engine} · ${v}` })));

/** The channel page's DJ card: the persona, a voice preview, and the upcoming intros with their lines editable. */
export class DjCard {
  persona = $state<DjPersonaView | null>(null);
  readonly intros: DjIntros;
  loaded = $state(false);
  saving = $state(false);
  previewing = $state(false);
  previewUrl = $state<string | null>(null);
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  constructor(
    readonly projectId: string,
    readonly channelId: string
  ) {
    this.intros = new DjIntros(channelId);
  }

  async load(): Promise<void> {
    try {
      this.persona = await apiJson<DjPersonaView>(`/api/channels/${this.channelId}/dj`);
      await this.intros.load();
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.loaded = true;
    }
    this.intros.follow();
  }

  draft(): DjDraft {
    const p = this.persona;
    return {
      enabled: p?.enabled ?? false,
      name: p?.name ?? 'Your DJ',
      style: p?.style ?? '',
      voice: p?.voice ? `${p.voice.engine}:${p.voice.voice}` : '',
      rate: p?.voice?.rate ?? 1,
      pitch: p?.voice?.pitch ?? 0,
      policy: p?.policy ?? 'every',
      everyN: p?.everyN ?? 3,
      stationIdHourly: p?.stationIdHourly ?? true,
      duckDb: p?.duckDb ?? -12
    };
  }

  private voiceOf(d: DjDraft) {
    if (!d.voice) return null;
    const [engine, voice] = d.voice.split(':');
    return { engine, voice, rate: Number(d.rate), pitch: Number(d.pitch) };
  }

  async save(d: DjDraft): Promise<boolean> {
    this.saving = true;
    this.error = this.notice = null;
    try {
      const { voice: _v, rate: _r, pitch: _p, ...rest } = d;
      this.persona = await apiJson<DjPersonaView>(`/api/channels/${this.channelId}/dj`, {
        method: 'PUT',
        body: { ...rest, everyN: Number(d.everyN), duckDb: Number(d.duckDb), voice: this.voiceOf(d) }
      });
      this.notice = d.enabled ? 'Saved. Intros are written about 20 minutes ahead while the channel is on air.' : 'Saved. The DJ is off.';
      await this.intros.load();
      return true;
    } catch (e) {
      this.error = messageOf(e);
      return false;
    } finally {
      this.saving = false;
    }
  }

  /** The chosen voice saying a sample line (the project's voice preview, with the persona's voice when it has one). */
  async preview(d: DjDraft): Promise<void> {
    this.previewing = true;
    this.error = null;
    try {
      const voice = this.voiceOf(d);
      const text = `Hi, I'm ${d.name.trim() || 'your DJ'}, and this is what I sound like on air.`;
      const res = await fetch(`/api/projects/${this.projectId}/tts/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, ...(voice ? { voice } : {}) }) });
      if (!res.ok) throw errorFromBody(res.status, await res.text());
      if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
      this.previewUrl = URL.createObjectURL(await res.blob());
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.previewing = false;
    }
  }

  destroy(): void {
    this.intros.destroy();
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
  }
}
