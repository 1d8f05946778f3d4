/**
 * The AutoDJ's voice as the API, the server, the worker and the pages share it: a persona per channel writes and
 * voices a short line before items (by its policy), which the live worker mixes over the item's start with the item
 * ducked. Lines come from the project's language model when one is configured, else from a tracery grammar (labelled
 * `template` everywhere).
 */
import type { TtsEngine } from './ai';

/** The job type, which is also the capability workers announce for it. */
export const DJ_INTRO = 'dj.intro';

export const DJ_POLICIES = ['every', 'every-n', 'show-start'] as const;
export type DjPolicy = (typeof DJ_POLICIES)[number];
export const DJ_POLICY_LABELS: Record<DjPolicy, string> = {
  every: 'Before every track',
  'every-n': 'Every N tracks',
  'show-start': 'At the start of each show'
};

export type DjSource = 'llm' | 'template';
export const DJ_SOURCE_LABELS: Record<DjSource, string> = { llm: 'LLM', template: 'template' };
export type DjIntroStatus = 'queued' | 'voicing' | 'ready' | 'failed';
/** `station-id`: the hourly "You're listening to …" line that replaces an intro at the top of the hour. */
export type DjIntroKind = 'intro' | 'station-id';

export const DJ_NAME_MAX = 60;
export const DJ_STYLE_MAX = 1000;
/** A spoken intro's longest text: about 20 s of speech. */
export const DJ_TEXT_MAX = 400;
export const DJ_EVERY_N_MAX = 50;
/** How far duck lowers the item under the voice, in dB. */
export const DJ_DUCK_RANGE = { min: -30, max: 0 } as const;
export const DJ_DEFAULT_DUCK_DB = -12;

/** The persona's own voice (a built-in engine); null in a persona means the project's voice from Providers. */
export interface DjVoice {
  engine: Exclude<TtsEngine, 'openai'>;
  voice: string;
  rate: number;
  pitch: number;
}

export interface DjPersonaView {
  channelId: string;
  enabled: boolean;
  name: string;
  style: string;
  voice: DjVoice | null;
  policy: DjPolicy;
  everyN: number;
  stationIdHourly: boolean;
  duckDb: number;
  /** Whether the project (or the instance) has a language model: without one, lines come from templates. */
  llm: boolean;
  updatedAt: string | null;
}

export interface DjIntroView {
  id: string;
  channelId: string;
  kind: DjIntroKind;
  /** The plan item it belongs to: `<assetId>@<planned start ms>`. */
  itemKey: string;
  assetId: string | null;
  title: string;
  plannedStart: number;
  text: string;
  source: DjSource;
  status: DjIntroStatus;
  /** Seconds of voice, once voiced. */
  duration: number | null;
  error: string | null;
  /** Who rewrote the line by hand (null: as written by the LLM or template). */
  editedBy: string | null;
  /** Signed URL of the voiced WAV, once ready. */
  audioUrl: string | null;
  updatedAt: string;
}

/** An intro as the live worker mixes it over the start of its item (LiveItem.intro). */
export interface LiveIntro {
  id: string;
  text: string;
  /** Signed URL of the voice. */
  url: string;
  /** Seconds. */
  duration: number;
  source: DjSource;
  /** The item's gain under the voice, in dB. */
  duckDb: number;
}

/** The DJ's line with the item on air, as the stream page shows it. */
export interface DjLine {
  name: string;
  text: string;
  source: DjSource;
}

export type TimeOfDay = 'morning' | 'afternoon' | 'evening' | 'night';

/** Hour (0–23) in the station's zone → the part of the day the DJ greets. */
export function timeOfDayAt(hour: number): TimeOfDay {
  if (hour >= 5 && hour < 12) return 'morning';
  if (hour >= 12 && hour < 17) return 'afternoon';
  if (hour >= 17 && hour < 22) return 'evening';
  return 'night';
}

/** The plan item key an intro is kept under. */
export const introItemKey = (i: { assetId: string | null; start: number }) => `${i.assetId ?? '-'}@${i.start}`;

/** The message the studio shows when lines come from templates. */
export const TEMPLATE_NOTICE = 'Lines come from templates; configure a language model in Providers for written intros.';

/** An item starting sooner than this gets no intro: it could not be voiced and fetched in time. */
export const DJ_MIN_LEAD_MS = 2000;
/** Items shorter than this (a jingle-length track) get no intro. */
const MIN_ITEM_MS = 4000;
const INTRO_KINDS = new Set(['track', 'fallback']);

export interface DjDuePolicy {
  policy: DjPolicy;
  everyN: number;
  stationIdHourly: boolean;
}

/** A planned item as the policy reads it. */
export type DjPlanItem = { kind: string; assetId: string | null; start: number; end: number; blockId: string | null; show: string; title: string; artist: string };

export interface DjDue<T extends DjPlanItem> {
  item: T;
  kind: DjIntroKind;
  previous: { title: string; artist: string } | null;
  next: { title: string; artist: string } | null;
}

/**
 * Which planned items (in order, from the one on air) are due a line and have none: the first track of each hour in
 * the station's zone gets a station ID; otherwise every track, every N tracks (counting from the last intro:
 * `tracksSinceIntro` aired since it, null when there was none), or the first track of each show. Pure: the server
 * reads the plan, the existing intros and the play log, and queues what this returns.
 */
export function dueIntros<T extends DjPlanItem>(items: T[], p: DjDuePolicy, o: { now: number; timezone: string; existing: ReadonlySet<string>; tracksSinceIntro: number | null }): DjDue<T>[] {
  const hourOf = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: o.timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).format(ms);
  const songs = items.filter((i) => INTRO_KINDS.has(i.kind) && i.assetId);
  let since = o.tracksSinceIntro ?? p.everyN - 1;
  const due: DjDue<T>[] = [];
  songs.forEach((item, n) => {
    const prev = songs[n - 1] ?? null;
    const had = o.existing.has(introItemKey(item));
    // On air already (its start is in the play log, counted in tracksSinceIntro) or too close to voice in time.
    const sounding = item.start < o.now + DJ_MIN_LEAD_MS;
    let kind: DjIntroKind | null = null;
    if (p.stationIdHourly && prev && hourOf(prev.start) !== hourOf(item.start)) kind = 'station-id';
    else if (p.policy === 'every') kind = 'intro';
    else if (p.policy === 'every-n') kind = had || since >= p.everyN - 1 ? 'intro' : null;
    else if (prev && (prev.blockId !== item.blockId || prev.show !== item.show)) kind = 'intro';
    if (!sounding) since = kind || had ? 0 : since + 1;
    if (!kind || had || sounding || item.end - item.start < MIN_ITEM_MS) return;
    const next = songs[n + 1] ?? null;
    due.push({ item, kind, previous: prev && { title: prev.title, artist: prev.artist }, next: next && { title: next.title, artist: next.artist } });
  });
  return due;
}
