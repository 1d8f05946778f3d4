import type { NowPlayingItem, NowPlayingView } from '$lib/live';

/** What the page shows at one instant of the audio: the item sounding, what follows, and what played before. */
export interface NowPlayingAt {
  now: NowPlayingItem | null;
  next: NowPlayingItem[];
  /** Most recent first. */
  history: NowPlayingItem[];
  /** 0…1 of the current item at that instant, or null without a current item. */
  progress: number | null;
}

const HISTORY = 5;

/**
 * Now-playing events arrive when an item starts at the station, seconds before listeners hear it. The queue keeps
 * them and answers for a given program time (the EXT-X-PROGRAM-DATE-TIME of what the player is sounding), so titles
 * switch with the audio.
 */
export class NowPlayingQueue {
  /** Known starts, ordered by startedAt; each with the up-next list its event carried. */
  private events: { item: NowPlayingItem; next: NowPlayingItem[] }[] = [];

  push(view: Pick<NowPlayingView, 'now' | 'next'>): void {
    if (!view.now) return;
    const entry = { item: view.now, next: view.next };
    const i = this.events.findIndex((e) => e.item.startedAt >= view.now!.startedAt);
    if (i === -1) this.events.push(entry);
    else if (this.events[i].item.startedAt === view.now.startedAt) this.events[i] = entry;
    else this.events.splice(i, 0, entry);
    // Bounded: only the recent history matters.
    if (this.events.length > HISTORY + 20) this.events.splice(0, this.events.length - HISTORY - 20);
  }

  /** The station stopped: nothing is current until the next event. */
  clear(): void {
    this.events = [];
  }

  at(programTime: number): NowPlayingAt {
    if (this.events.length === 0) return { now: null, next: [], history: [], progress: null };
    let idx = -1;
    for (let i = 0; i < this.events.length; i++) if (this.events[i].item.startedAt <= programTime) idx = i;
    // Before the first known start (the page loaded mid-item, the audio lags the API): the earliest known is the best guess.
    if (idx === -1) idx = 0;
    const cur = this.events[idx];
    const history = this.events.slice(Math.max(0, idx - HISTORY), idx).map((e) => e.item).reverse();
    // A planned next that has started by now is no longer next.
    const next = cur.next.filter((n) => n.startedAt > cur.item.startedAt);
    return { now: cur.item, next, history, progress: clamp01((programTime - cur.item.startedAt) / (cur.item.duration * 1000)) };
  }
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
