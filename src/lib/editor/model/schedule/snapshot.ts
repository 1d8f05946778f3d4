/**
 * A station's week schedule as plain data: blocks (shows) placed on a week calendar in their own time zone, and a
 * default rotation that plays when no block does, so the air is never empty.
 */

/** Hard: the block begins on the second, fading out what plays. Soft: at the first item boundary at or after its start. */
export type StartMode = 'hard' | 'soft';

/** A playlist and its share of the songs (weights are relative: 2 plays twice as often as 1). Jingle playlists play by their rule. */
export interface PlaylistWeight {
  playlistId: string;
  weight: number;
}

/**
 * When a block occurs: at `startMinute` (local wall time) on each listed ISO weekday (1 = Monday … 7 = Sunday) and on
 * each listed date (YYYY-MM-DD). Stored as one field, so two people moving one block at once end on one of their
 * placements whole, never one's time on the other's days.
 */
export interface BlockWhen {
  startMinute: number;
  weekdays: number[];
  dates: string[];
}

export interface BlockSnapshot {
  id: string;
  /** The show name on air. */
  name: string;
  playlists: PlaylistWeight[];
  when: BlockWhen;
  /** Real elapsed minutes (a block over a DST change lasts what it says, not what the wall clock shows). */
  durationMinutes: number;
  /** IANA zone the wall times are in. */
  timezone: string;
  startMode: StartMode;
  /** Where blocks overlap, the higher priority plays (ties: the later start, then the smaller id). */
  priority: number;
  /** A generator prompt for the whole show (overrides the playlists' own prompts). */
  prompt: string | null;
}

export interface ScheduleSettings {
  /** The station's zone: the default rotation's day and hours (and the default for new blocks). */
  timezone: string;
  /** What plays when no block does. */
  rotation: PlaylistWeight[];
  /** Silence between two shows, or when the generator prompt changes; 0 turns it off. */
  breakSeconds: number;
  /** How long what plays fades when a hard start cuts it. */
  hardStartFadeSeconds: number;
}

export interface ScheduleSnapshot {
  settings: ScheduleSettings;
  /** By start minute, then id. */
  blocks: BlockSnapshot[];
}

export const MINUTES_PER_DAY = 1440;
