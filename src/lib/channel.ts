/** Channels and their chat as the API, the socket and the pages see them (secrets appear only as hints). */
export type ChannelKind = 'audio' | 'video';
export type ChannelVisibility = 'public' | 'private';
export type AudioFormat = 'mp3' | 'aac';
export type RtmpPreset = 'youtube' | 'twitch' | 'custom';

export const RTMP_PRESET_URLS: Record<Exclude<RtmpPreset, 'custom'>, string> = {
  youtube: 'rtmp://a.rtmp.youtube.com/live2',
  twitch: 'rtmp://live.twitch.tv/app'
};

export interface IcecastView {
  host: string;
  port: number;
  mount: string;
  username: string;
  format: AudioFormat;
  bitrate: number;
  /** "••••1234", or null when no password is stored. */
  passwordHint: string | null;
}

export interface RtmpView {
  id: string;
  name: string;
  preset: RtmpPreset;
  url: string;
  streamKeyHint: string;
}

export interface ChannelView {
  id: string;
  projectId: string;
  name: string;
  slug: string;
  kind: ChannelKind;
  visibility: ChannelVisibility;
  crossfadeSeconds: number;
  loudnessTarget: number;
  fallbackPlaylistId: string | null;
  outputs: { hls: { enabled: true }; icecast: IcecastView | null; rtmp: RtmpView[] };
  requestsEnabled: boolean;
  requestDelayMinutes: number;
  minRepeatMinutes: number;
  chatEnabled: boolean;
  slowModeSeconds: number;
  recordingEnabled: boolean;
  recordingRetentionDays: number;
  /** The live ingest key's hint; the key itself is shown once, on create and on rotate. */
  streamKeyHint: string;
  createdAt: string;
  updatedAt: string;
}

/** What anyone may see of a public channel (the stream page). */
export interface PublicChannelView {
  name: string;
  slug: string;
  kind: ChannelKind;
  chatEnabled: boolean;
  requestsEnabled: boolean;
}

export type ChatRole = 'owner' | 'editor' | 'viewer' | 'user' | 'guest';

/** A chat message; `body` is plain text and is only ever rendered as text. */
export interface ChatMessageView {
  id: string;
  name: string;
  role: ChatRole;
  body: string;
  at: string;
}

export interface ChatYou {
  name: string;
  role: ChatRole;
  /** Project members moderate: delete, mute, ban, slow mode. */
  moderator: boolean;
  muted: boolean;
  banned: boolean;
  /** The guest id to keep (localStorage) and send back on the next join; null for signed-in users. */
  guestId: string | null;
}

export const CHAT_MAX_LENGTH = 500;
export const CHAT_HISTORY = 50;

/** A slug suggestion for a channel name: lowercase ASCII letters, digits and single hyphens. */
export function suggestSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug.length >= 3 ? slug : `${slug || 'channel'}-${Math.random().toString(36).slice(2, 6)}`;
}
