/**
 * The live output as the API, the worker and the stream page know it: a `channel.live` job per channel airs the
 * playout plan as one mixed PCM stream; the HLS output is uploaded to the web process, which serves it at /live/:slug/.
 */
import type { PlannedItem } from './editor/model/schedule/playout-plan';
import type { DjLine, LiveIntro } from './dj';

/** The job type, which is also the capability workers announce for it (job types are capabilities here). */
export const CHANNEL_LIVE = 'channel.live';

/** The mixer's format: every output encoder is fed this. */
export const LIVE_SAMPLE_RATE = 48_000;
export const LIVE_CHANNELS = 2;
/** A video channel's picture: 1280x720 at 25 fps, so one frame lasts LIVE_SAMPLE_RATE / 25 = 1920 samples. */
export const LIVE_VIDEO_WIDTH = 1280;
export const LIVE_VIDEO_HEIGHT = 720;
export const LIVE_VIDEO_FPS = 25;
export const LIVE_HLS_SEGMENT_SECONDS = 2;
export const LIVE_HLS_LIST_SIZE = 6;
export const LIVE_PLAYLIST = 'index.m3u8';
export const LIVE_SEGMENT_NAME = /^seg-\d{1,12}\.ts$/;

/** A planned item as the worker receives it: the plan's fields, what to show, and where to fetch the broadcast copy. */
export interface LiveItem extends PlannedItem {
  title: string;
  artist: string;
  /** The asset's kind; null for breaks and emergencies. Video items air only on video channels. */
  assetKind: 'audio' | 'video' | null;
  /**
   * Signed URL of the asset's loudness-normalised `broadcast` variant (relative to the server); null for breaks,
   * emergencies and videos without sound (those air in planned silence under their picture).
   */
  url: string | null;
  /** Signed URL of a video asset's 720p `proxy` variant, its picture on a video channel; null otherwise. */
  videoUrl: string | null;
  /** The DJ's voiced intro, mixed over the item's start with the item ducked (absent: none ready). */
  intro?: LiveIntro;
}

export type LiveState = 'off-air' | 'starting' | 'on-air' | 'error';

export interface LiveHealth {
  /** The output carried silence longer than any planned break. */
  silent: boolean;
  /** The plan fell to its emergency station ID. */
  emergency: boolean;
  message: string | null;
  /** Each encoder output (HLS, Icecast, RTMP destinations, recording) as the worker last reported it. */
  outputs: LiveOutputHealth[];
  /** Wall-clock ms of the worker's last report. */
  at: number;
}

export interface LiveOutputHealth {
  name: string;
  kind: string;
  /** `retrying`: it failed and starts again at nextAttemptAt (backoff 1 s … 30 s); the other outputs go on. */
  state: 'starting' | 'connected' | 'retrying' | 'stopped';
  nextAttemptAt: number | null;
  lastError: string | null;
  restarts: number;
  /** Times it was killed for making no progress while fed. */
  stalls: number;
}

/** What the lease holder of a live job is given to set up its outputs (with secrets: never sent to browsers). */
export interface LiveOutputConfig {
  /** `kind` is read as the job starts: a channel switched between audio and video changes its air on the next start. */
  channel: { id: string; name: string; slug: string; kind: 'audio' | 'video' };
  icecast: { host: string; port: number; mount: string; username: string; password: string; format: 'mp3' | 'aac'; bitrate: number } | null;
  rtmp: { id: string; name: string; url: string; streamKey: string }[];
  recording: { enabled: boolean; segmentSeconds: number };
}

export interface LiveStatus {
  channelId: string;
  state: LiveState;
  /** Why the channel is in `error` (or what the last failure was while it retries). */
  message: string | null;
  jobId: string | null;
  health: LiveHealth | null;
  /** The stream, once the first playlist is in. */
  hlsUrl: string | null;
}

export interface NowPlayingItem {
  title: string;
  artist: string;
  assetId: string | null;
  /** `live`: a live takeover (RTMP or Web DJ) has the air. */
  kind: PlannedItem['kind'] | 'live';
  /** Wall-clock ms when it started in the audio timeline: align with EXT-X-PROGRAM-DATE-TIME to switch titles with the sound. */
  startedAt: number;
  /** Seconds it is planned to sound. */
  duration: number;
  /** The DJ's line voiced over its start (null: none). */
  dj?: DjLine | null;
}

/** One item of a channel's plan ahead, as the studio lists it (GET /api/channels/:id/upcoming). */
export type UpcomingItem = Pick<LiveItem, 'kind' | 'assetId' | 'title' | 'artist' | 'show' | 'start' | 'end'>;

export interface UpcomingView {
  channelId: string;
  /** Off air there is no plan to show (it is anchored when the first item airs). */
  onAir: boolean;
  items: UpcomingItem[];
}

/** One aired item in the team's play log (GET /api/channels/:id/plays). */
export interface PlayLogEntryView {
  id: string;
  assetId: string | null;
  title: string;
  artist: string;
  kind: string;
  /** Wall-clock ms in the audio timeline. */
  startedAt: number;
  endedAt: number | null;
  /** Distinct listeners with an active player when it started (null: logged before counting). */
  listeners: number | null;
  /** The most listeners while it aired. */
  peakListeners: number | null;
}

export interface NowPlayingView {
  channel: { name: string; slug: string };
  live: boolean;
  now: NowPlayingItem | null;
  next: NowPlayingItem[];
  listeners: number;
}
