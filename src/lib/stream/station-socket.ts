import { io, type Socket } from 'socket.io-client';
import { SOCKET_TRANSPORTS } from '$lib/realtime/socket-transports';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from '$lib/events';

export type StationSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;

/** The server counts a listener for 45 s after a beat (src/lib/server/live/listeners.ts): one lost beat is harmless. */
export const LISTENER_HEARTBEAT_MS = 15_000;

const GUEST_KEY = 'airstudio.guestId';
const NICK_KEY = 'airstudio.nickname';

/** The stream page's one connection: the `/chat` namespace carries chat, now playing and listener heartbeats. */
export function openStationSocket(): StationSocket {
  return io('/chat', SOCKET_TRANSPORTS);
}

/** What a guest keeps between visits: the id the server gave (so bans and the listener count follow them) and their nickname. */
export const guestStore = {
  get guestId(): string | undefined {
    return localStorage.getItem(GUEST_KEY) ?? undefined;
  },
  set guestId(v: string | undefined) {
    if (v) localStorage.setItem(GUEST_KEY, v);
  },
  /** The kept guest id, made here when the chat never gave one (song requests need it to show "your requests"). */
  ensureGuestId(): string {
    const kept = this.guestId;
    if (kept) return kept;
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const made = Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => alphabet[b & 31]).join('');
    this.guestId = made;
    return made;
  },
  get nickname(): string | undefined {
    return localStorage.getItem(NICK_KEY) ?? undefined;
  },
  set nickname(v: string | undefined) {
    if (v) localStorage.setItem(NICK_KEY, v);
  }
};

/** Tells the server this page's player is playing, every 15 s, and that it stopped when the returned stop is called. */
export function startHeartbeat(socket: StationSocket, slug: string): () => void {
  const beat = (playing: boolean) => socket.emit('listener:heartbeat', { slug, guestId: guestStore.guestId, playing });
  beat(true);
  const timer = setInterval(() => beat(true), LISTENER_HEARTBEAT_MS);
  // After a reconnect the server has forgotten this socket: count it again at once.
  const again = () => beat(true);
  socket.on('connect', again);
  return () => {
    clearInterval(timer);
    socket.off('connect', again);
    beat(false);
  };
}
