import type { MemberView } from './project';
import type { Role } from './editor/model/role';
import type { AssetJson } from './asset';
import type { JobJson } from './job';
import type { ChatMessageView, ChatYou } from './channel';
import type { LiveStatus, NowPlayingView } from './live';
import type { SongRequestView } from './song-request';
import type { GeneratorBufferView } from './generator';

/** The one typed map of socket.io events between the studio and the server. */
export type AckResult<T = object> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

export interface ServerToClientEvents {
  /** The Web DJ's live session ended: `error` when the server ended it (what to do is in `message`). */
  'webdj:ended': (e: { error: boolean; code: string; message: string }) => void;
  'project:renamed': (e: { projectId: string; name: string }) => void;
  'project:deleted': (e: { projectId: string }) => void;
  'project:members': (e: { projectId: string; members: MemberView[] }) => void;
  /** You lost access to the project (removed by the owner). */
  'project:removed': (e: { projectId: string }) => void;
  /** A job in the project changed (queued, started, progress, finished). */
  job: (job: JobJson) => void;
  'asset:changed': (asset: AssetJson) => void;
  'asset:deleted': (e: { projectId: string; assetId: string }) => void;
  /** An item started in a channel's audio timeline (also sent to the channel's room on /chat). */
  'channel:now-playing': (e: NowPlayingView & { channelId: string }) => void;
  /** The channel's count of distinct listeners with an active player changed. */
  'channel:listeners': (e: { channelId: string; listeners: number }) => void;
  /** A channel's live status changed: on or off air, or its health (dead air, emergency, an output's state). */
  'channel:live': (status: LiveStatus) => void;
  /** A channel's generated music buffer changed state or hours (to a tenth), or the generator was switched on or off. */
  'channel:generator': (e: GeneratorBufferView & { channelId: string }) => void;
  /** A channel's song request queue changed (a request came in, was removed, or aired). */
  'channel:requests': (e: { channelId: string; requests: SongRequestView[] }) => void;
}

export interface ClientToServerEvents {
  /** Web DJ: go live on a channel from this browser (editors); then send the MediaRecorder's WebM chunks. */
  'webdj:start': (e: { channelId: string }, ack: (r: AckResult) => void) => void;
  'webdj:chunk': (chunk: ArrayBuffer) => void;
  'webdj:stop': () => void;
  'project:join': (projectId: string, ack: (r: AckResult<{ role: Role }>) => void) => void;
  'project:leave': (projectId: string) => void;
}

export interface SocketData {
  userId: string;
  username: string;
  /** The session that opened the socket, or null for an API token. */
  sessionId: string | null;
}

export const projectRoom = (projectId: string) => `project:${projectId}`;

/** The `/chat` namespace: open to guests (no session needed), kept apart from the studio's project rooms. */
export interface ChatServerToClientEvents {
  /** New messages, oldest first: one at a time to a quiet room, together when they come faster (CHAT_BATCH_MS). */
  'chat:messages': (m: ChatMessageView[]) => void;
  'chat:deleted': (e: { messageId: string }) => void;
  'chat:slowmode': (e: { seconds: number }) => void;
  /** You were muted or banned (until: ISO time, or null until lifted). */
  'chat:restricted': (e: { kind: 'ban' | 'mute'; until: string | null }) => void;
  /** The chat was turned off or the channel deleted. */
  'chat:closed': (e: { reason: string }) => void;
  /** An item started on air: `now.startedAt` is its wall-clock start in the audio timeline. */
  'channel:now-playing': (e: NowPlayingView & { channelId: string }) => void;
  /** The channel's listener count changed (to the channel's room, once you joined its chat or sent a heartbeat). */
  'channel:listeners': (e: { channelId: string; listeners: number }) => void;
}

export type ChatJoinResult = AckResult<{ you: ChatYou; history: ChatMessageView[]; channel: { name: string; slowModeSeconds: number } }>;

export interface ChatClientToServerEvents {
  'chat:join': (e: { slug: string; guestId?: string; nickname?: string }, ack: (r: ChatJoinResult) => void) => void;
  'chat:send': (e: { body: string }, ack: (r: AckResult<{ message: ChatMessageView }>) => void) => void;
  'chat:delete': (e: { messageId: string }, ack: (r: AckResult) => void) => void;
  'chat:mute': (e: { messageId: string; seconds: number }, ack: (r: AckResult<{ until: string | null }>) => void) => void;
  /** seconds omitted: until lifted. */
  'chat:ban': (e: { messageId: string; seconds?: number }, ack: (r: AckResult<{ until: string | null }>) => void) => void;
  'chat:slowmode': (e: { seconds: number }, ack: (r: AckResult<{ seconds: number }>) => void) => void;
  /** The stream page's player: every ~15 s while playing, `playing: false` on pause (no ack, fire and forget). */
  'listener:heartbeat': (e: { slug: string; guestId?: string; playing: boolean }) => void;
}

export const chatRoom = (channelId: string) => `chat:${channelId}`;
