/**
 * Listener counting: distinct listeners (user or guest id) whose player reported "playing" within the window, per
 * channel. In memory behind this interface so a shared store (issue 8's Redis) can replace it.
 */
export interface ListenerCounter {
  /** A heartbeat from a playing player; returns the channel's count after it. */
  beat(channelId: string, listenerId: string): number;
  /** The player paused or went away; returns the channel's count after it. */
  leave(channelId: string, listenerId: string): number;
  count(channelId: string): number;
  /** Channels with anyone counted (for sweeps that push expiries). */
  channels(): string[];
}

/** Three heartbeats (src/lib/stream/station-socket.ts): one lost beat does not drop a listener. */
export const LISTENER_WINDOW_MS = 45_000;
// Bounds memory against a client that invents ids: beyond this a channel counts no new listeners.
const MAX_PER_CHANNEL = 100_000;

export class MemoryListenerCounter implements ListenerCounter {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = LISTENER_WINDOW_MS
  ) {}

  beat(channelId: string, listenerId: string): number {
    const m = this.seen.get(channelId) ?? new Map<string, number>();
    this.prune(m);
    if (m.has(listenerId) || m.size < MAX_PER_CHANNEL) m.set(listenerId, this.now());
    this.seen.set(channelId, m);
    return m.size;
  }

  leave(channelId: string, listenerId: string): number {
    this.seen.get(channelId)?.delete(listenerId);
    return this.count(channelId);
  }

  count(channelId: string): number {
    const m = this.seen.get(channelId);
    if (!m) return 0;
    if (this.prune(m) === 0) this.seen.delete(channelId);
    return m.size;
  }

  channels(): string[] {
    return [...this.seen.keys()];
  }

  private prune(m: Map<string, number>): number {
    const cutoff = this.now() - this.windowMs;
    for (const [id, at] of m) if (at <= cutoff) m.delete(id);
    return m.size;
  }
}
