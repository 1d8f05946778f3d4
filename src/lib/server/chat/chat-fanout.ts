import type { ChatMessageView } from '$lib/channel';

/**
 * How long a busy room's messages wait to go out together. Each delivery is one websocket write per listener, and at
 * 1,000 listeners those writes are what the server spends its time on (profiled: most of it in writev); sending what
 * came in one window as one `chat:messages` cuts them to one per listener per window.
 */
export const CHAT_BATCH_MS = Math.max(0, Number(process.env.CHAT_BATCH_MS ?? 50) || 0);

interface RoomQueue {
  messages: ChatMessageView[];
  timer: NodeJS.Timeout;
}

/**
 * Chat messages to a room, batched only when the room is busy: a message to a quiet room goes out at once; the ones
 * that follow within CHAT_BATCH_MS go out together at the end of that window, and so on while they keep coming. Any
 * other event to the room (a deletion, slow mode, closing) first sends what waits, so listeners see them in order.
 */
export class ChatFanout {
  private readonly rooms = new Map<string, RoomQueue>();

  constructor(
    private readonly send: (room: string, messages: ChatMessageView[]) => void,
    private readonly windowMs = CHAT_BATCH_MS
  ) {}

  message(room: string, m: ChatMessageView): void {
    const q = this.rooms.get(room);
    if (q) return void q.messages.push(m);
    this.send(room, [m]);
    if (this.windowMs > 0) this.rooms.set(room, { messages: [], timer: this.hold(room) });
  }

  /** Sends what waits for `room` now (before another event to it). */
  flush(room: string): void {
    const q = this.rooms.get(room);
    if (!q?.messages.length) return;
    const messages = q.messages;
    q.messages = [];
    this.send(room, messages);
  }

  private hold(room: string): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const q = this.rooms.get(room);
      if (!q) return;
      // Nothing came in the window: the room is quiet again, and its next message goes out at once.
      if (!q.messages.length) return void this.rooms.delete(room);
      this.flush(room);
      q.timer = this.hold(room);
    }, this.windowMs);
    timer.unref();
    return timer;
  }
}
