/**
 * A station's playlists as plain data: what the model reads out of the Yjs document, what the playout plan and the
 * station worker take. Items are keyed by id and ordered by fractional keys (never Y.Array positions).
 */

/** As AzuraCast: standard rotation music, jingles and station IDs played by rule, and playlists the AI fills. */
export type PlaylistKind = 'standard' | 'jingle' | 'generated';

/** In order (continuing after the last item played) or in a seeded shuffle. */
export type PlaybackOrder = 'sequential' | 'shuffle';

/** When a jingle playlist plays: once every N songs, or once per hour at the first boundary after :MM. */
export type JingleRule = { every: 'songs'; songs: number } | { every: 'hour'; minute: number };

export interface PlaylistSnapshot {
  id: string;
  name: string;
  /** Fractional index: the order of the playlists panel. */
  order: string;
  kind: PlaylistKind;
  playback: PlaybackOrder;
  /** Shuffle: an asset is not picked again within the station's last N songs (for jingles: N jingles) while another can play. */
  noRepeat: number;
  /** Used when `kind` is 'jingle'; kept (not cleared) when the kind changes, so switching back restores it. */
  jingle: JingleRule;
  /** A generator prompt (generated playlists): when the prompt on air changes, a short break marks it. */
  prompt: string | null;
}

export interface PlaylistItemSnapshot {
  id: string;
  playlistId: string;
  /** A library asset; it may since have been deleted or unapproved, and is then skipped on air. */
  assetId: string;
  order: string;
  /** What a generator was asked for this item (generated playlists): it outranks the playlist's prompt on air. */
  prompt?: string | null;
}

export interface PlaylistsSnapshot {
  /** By order, then id. */
  playlists: PlaylistSnapshot[];
  /** Grouped by playlist (in playlist order), then by order, then id. */
  items: PlaylistItemSnapshot[];
}

/** What the library says about an asset: the plan and the editor take this map, keyed by asset id. */
export interface StationAsset {
  /** Seconds. */
  duration: number;
  /** Moderation: only approved assets go on air. */
  approved: boolean;
  title?: string;
  artist?: string;
  /** Seconds into the file where playback starts and ends (silence trimmed); default 0 and `duration`. */
  cueIn?: number;
  cueOut?: number;
}

export type StationAssets = Readonly<Record<string, StationAsset>>;

/** Shorter than this an asset is a click, not a programme item: it is skipped. */
export const MIN_PLAYABLE_SECONDS = 1;

/** The whole milliseconds an asset plays between its cue points, or 0 when it cannot go on air (missing, unapproved, too short). */
export function playableMs(asset: StationAsset | undefined): number {
  if (!asset || !asset.approved || !(asset.duration > 0)) return 0;
  const cueIn = Math.max(0, asset.cueIn ?? 0);
  const cueOut = Math.min(asset.duration, asset.cueOut ?? asset.duration);
  const seconds = cueOut - cueIn;
  // Floored: a planned item never runs past the end of its file.
  return seconds >= MIN_PLAYABLE_SECONDS ? Math.floor(seconds * 1000) : 0;
}
