import type { ChatMessageView, ChatYou } from '$lib/channel';
import type { AckResult } from '$lib/events';
import { guestStore, type StationSocket } from './station-socket';

const ACK_TIMEOUT_MS = 10_000;
const KEEP = 200;

/**
 * The stream page's chat over the station socket: joins (again after every reconnect), keeps the messages, and
 * turns every refused ack into a message to show next to what the listener did.
 */
export class StreamChat {
  messages = $state<ChatMessageView[]>([]);
  you = $state<ChatYou | null>(null);
  /** The last refusal, in plain words ("You are sending too fast: wait 10 s."). */
  error = $state('');
  /** Announcements: slow mode, mute, ban, chat closed. */
  notice = $state('');
  slowModeSeconds = $state(0);
  closed = $state(false);
  connected = $state(false);
  /** A guest who has not picked a nickname yet (they read along as "Guest 1234"). */
  needsNickname = $state(false);
  /** Messages this page sent, to mark them as yours. */
  mine = $state<Record<string, true>>({});

  constructor(
    private readonly socket: StationSocket,
    private readonly slug: string
  ) {
    socket.on('connect', () => {
      this.connected = true;
      void this.join(guestStore.nickname);
    });
    socket.on('disconnect', () => (this.connected = false));
    socket.on('chat:messages', (batch) => {
      // Your own message may already be here from its ack.
      const fresh = batch.filter((m) => !this.messages.some((x) => x.id === m.id));
      if (fresh.length) this.messages = [...this.messages, ...fresh].slice(-KEEP);
    });
    socket.on('chat:deleted', ({ messageId }) => (this.messages = this.messages.filter((m) => m.id !== messageId)));
    socket.on('chat:slowmode', ({ seconds }) => {
      if (seconds === this.slowModeSeconds) return;
      this.slowModeSeconds = seconds;
      this.notice = seconds > 0 ? `Slow mode: one message every ${seconds} s.` : 'Slow mode is off.';
    });
    socket.on('chat:restricted', ({ kind, until }) => {
      const when = until ? ` until ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : '';
      this.notice = kind === 'ban' ? `You were banned from this chat${when}.` : `You were muted${when}.`;
      if (this.you) this.you = { ...this.you, muted: kind === 'mute' || this.you.muted, banned: kind === 'ban' || this.you.banned };
    });
    socket.on('chat:closed', ({ reason }) => {
      this.closed = true;
      this.notice = reason;
    });
  }

  /** Joins with the guest's kept id; with a nickname, it becomes their name (refusals land in `error`). */
  async join(nickname?: string): Promise<boolean> {
    const r = await this.ask<{ you: ChatYou; history: ChatMessageView[]; channel: { slowModeSeconds: number } }>('chat:join', {
      slug: this.slug,
      guestId: guestStore.guestId,
      nickname
    });
    if (!r.ok) {
      if (r.error.code === 'chat_disabled' || r.error.code === 'not_found') this.closed = true;
      // A kept nickname that is no longer accepted: read along as a guest and ask for another.
      if (nickname && nickname === guestStore.nickname) {
        localStorage.removeItem('airstudio.nickname');
        return this.join();
      }
      this.error = r.error.message;
      return false;
    }
    this.you = r.you;
    guestStore.guestId = r.you.guestId ?? undefined;
    if (nickname) guestStore.nickname = nickname;
    this.needsNickname = r.you.role === 'guest' && !nickname;
    this.messages = r.history;
    this.slowModeSeconds = r.channel.slowModeSeconds;
    this.closed = false;
    this.error = '';
    return true;
  }

  async send(body: string): Promise<boolean> {
    const r = await this.ask<{ message: ChatMessageView }>('chat:send', { body });
    if (!r.ok) {
      this.error = r.error.message;
      return false;
    }
    this.error = '';
    this.mine = { ...this.mine, [r.message.id]: true };
    if (!this.messages.some((m) => m.id === r.message.id)) this.messages = [...this.messages, r.message].slice(-KEEP);
    return true;
  }

  async remove(messageId: string): Promise<void> {
    const r = await this.ask('chat:delete', { messageId });
    this.error = r.ok ? '' : r.error.message;
    if (r.ok) this.messages = this.messages.filter((m) => m.id !== messageId);
  }

  async restrict(kind: 'mute' | 'ban', messageId: string, seconds?: number): Promise<void> {
    const r = await this.ask<{ until: string | null }>(`chat:${kind}`, seconds === undefined ? { messageId } : { messageId, seconds });
    this.error = r.ok ? '' : r.error.message;
    if (r.ok) this.notice = kind === 'ban' ? 'Banned.' : `Muted for ${Math.round((seconds ?? 0) / 60)} min.`;
  }

  async setSlowMode(seconds: number): Promise<void> {
    const r = await this.ask<{ seconds: number }>('chat:slowmode', { seconds });
    this.error = r.ok ? '' : r.error.message;
    if (r.ok) this.slowModeSeconds = r.seconds;
  }

  private async ask<T extends object = object>(event: string, payload: object): Promise<AckResult<T>> {
    if (!this.socket.connected) return { ok: false, error: { code: 'offline', message: 'Not connected: reconnecting…' } };
    try {
      // The typed map does not index by a variable event name.
      return (await (this.socket as unknown as { timeout(ms: number): { emitWithAck(e: string, p: object): Promise<AckResult<T>> } }).timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload));
    } catch {
      return { ok: false, error: { code: 'timeout', message: 'The server did not answer; try again.' } };
    }
  }
}
