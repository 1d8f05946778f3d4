/** What the browser, the server and workers share about a project's AI providers (language model, voice, speech recognition, video generation). */

/** Voices spoken by Debian programs on this box, or an OpenAI-compatible `/v1/audio/speech` service. */
export const TTS_ENGINES = ['festival', 'flite', 'espeak-ng', 'openai'] as const;
export type TtsEngine = (typeof TTS_ENGINES)[number];

/** Built-in voices per engine: festival's HTS voice is the most natural; espeak-ng speaks other languages. */
export const BUILTIN_VOICES: Record<Exclude<TtsEngine, 'openai'>, readonly string[]> = {
  festival: ['cmu_us_slt_arctic_hts'],
  flite: ['slt', 'rms', 'awb', 'kal16'],
  'espeak-ng': ['en', 'en-us', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'sv', 'ru', 'hi', 'ja', 'zh']
};

/** Speaking rate as a multiplier of the voice's own pace, and pitch in semitones. */
export const RATE_RANGE = { min: 0.5, max: 2 } as const;
export const PITCH_RANGE = { min: -12, max: 12 } as const;

/** The longest text one voicing call takes, and the longest a settings-page preview takes. */
export const VOICE_MAX_CHARS = 5000;
export const PREVIEW_MAX_CHARS = 300;

export interface VoiceSettings {
  engine: TtsEngine;
  voice: string;
  rate: number;
  pitch: number;
  /** Only for `openai`. */
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

export interface LlmSettingsView {
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
  /** Where the effective settings come from: this project, the instance's LLM_* environment, or nowhere. */
  source: 'project' | 'instance' | 'none';
}

export interface TtsSettingsView {
  engine: TtsEngine;
  voice: string;
  rate: number;
  pitch: number;
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
}

/** Where generated music comes from: the built-in procedural generator, or a MusicGen / AudioCraft server over HTTP. */
export interface MusicSettingsView {
  engine: 'procedural' | 'http';
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
}

export const DEFAULT_MUSIC: MusicSettingsView = { engine: 'procedural', baseUrl: null, model: null, hasKey: false };

/** A project's provider settings as the API shows them: keys are never returned, only whether one is set. */
export interface ProvidersView {
  llm: LlmSettingsView & {
    /** What the project itself set (null fields fall back to the instance's). */
    project: { baseUrl: string | null; model: string | null; hasKey: boolean };
    instance: { baseUrl: string | null; model: string | null; hasKey: boolean };
  };
  tts: TtsSettingsView;
  asr: AsrSettingsView;
  video: VideoSettingsView;
  music: MusicSettingsView;
  staging: StagingSettingsView;
  updatedAt: string | null;
}

/** A staging provider: an image-edit server speaking OpenAI's `POST /v1/images/edits` (image + prompt → image). */
export interface StagingSettingsView {
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
  /** Both set: the staging board offers "Stage with provider". */
  configured: boolean;
}

export const DEFAULT_STAGING_PROVIDER: StagingSettingsView = { baseUrl: null, model: null, hasKey: false, configured: false };

export interface ProviderTestResult {
  ok: boolean;
  /** A plain sentence: what worked, or what is wrong (unreachable, key refused, model missing). */
  message: string;
  /** Models the service lists, when it answered. */
  models?: string[];
}

/** Speech recognition for captions: ffmpeg's asr filter (pocketsphinx) offline, or an OpenAI-compatible `/v1/audio/transcriptions`. */
export const ASR_ENGINES = ['builtin', 'openai'] as const;
export type AsrEngine = (typeof ASR_ENGINES)[number];
export const ASR_ENGINE_LABELS: Record<AsrEngine, string> = {
  builtin: 'built-in pocketsphinx (English, modest accuracy)',
  openai: 'OpenAI-compatible transcription service (/v1/audio/transcriptions, e.g. a whisper server)'
};
/** The transcription model asked for when neither the project nor the caption run names one. */
export const DEFAULT_ASR_MODEL = 'whisper-1';

export interface AsrSettingsView {
  engine: AsrEngine;
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
  /**
   * Where an openai caption run sends speech: this section's service, else the language model's base URL (the
   * fallback from before ASR had its own settings), else nowhere.
   */
  service: 'asr' | 'llm' | 'none';
}

/** Video generation servers speak OpenAI's videos API (POST /videos, GET /videos/{id}, GET /videos/{id}/content). */
export const VIDEO_KINDS = ['openai-videos'] as const;
export type VideoKind = (typeof VIDEO_KINDS)[number];

export interface VideoSettingsView {
  kind: VideoKind;
  baseUrl: string | null;
  model: string | null;
  hasKey: boolean;
  /** Both a base URL and a model are set: the library offers "Generate video". */
  configured: boolean;
}

export const DEFAULT_ASR: AsrSettingsView = { engine: 'builtin', baseUrl: null, model: null, hasKey: false, service: 'none' };
export const DEFAULT_VIDEO: VideoSettingsView = { kind: 'openai-videos', baseUrl: null, model: null, hasKey: false, configured: false };

export const DEFAULT_TTS: TtsSettingsView = { engine: 'festival', voice: 'cmu_us_slt_arctic_hts', rate: 1, pitch: 0, baseUrl: null, model: null, hasKey: false };
