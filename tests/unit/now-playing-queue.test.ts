import { describe, expect, it } from 'vitest';
import type { NowPlayingItem } from '$lib/live';
import { NowPlayingQueue } from '$lib/stream/now-playing-queue';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const item = (title: string, startSec: number, duration = 60): NowPlayingItem => ({ title, artist: `${title} artist`, assetId: title, kind: 'track', startedAt: T0 + startSec * 1000, duration });
// An event as the station sends it when `now` starts, listing the plan's next items.
const event = (now: NowPlayingItem, ...next: NowPlayingItem[]) => ({ now, next });

describe('the now-playing queue', () => {
  const a = item('A', 0);
  const b = item('B', 59);
  const c = item('C', 118);

  it('switches titles when the program time reaches the start, not when the event arrives', () => {
    const q = new NowPlayingQueue();
    q.push(event(a, b, c));
    // B's event arrives as B starts at the station; the listener's audio is ~6 s behind.
    q.push(event(b, c));
    expect(q.at(T0 + 53_000).now?.title).toBe('A');
    expect(q.at(T0 + 58_999).now?.title).toBe('A');
    expect(q.at(T0 + 59_000).now?.title).toBe('B');
    expect(q.at(T0 + 65_000).now?.title).toBe('B');
  });

  it('gives up next from the current item and history most recent first', () => {
    const q = new NowPlayingQueue();
    q.push(event(a, b, c));
    q.push(event(b, c));
    q.push(event(c));
    const atA = q.at(T0 + 10_000);
    expect(atA.next.map((i) => i.title)).toEqual(['B', 'C']);
    expect(atA.history).toEqual([]);
    const atC = q.at(T0 + 120_000);
    expect(atC.now?.title).toBe('C');
    expect(atC.history.map((i) => i.title)).toEqual(['B', 'A']);
  });

  it('reports progress of the current item from the program time, clamped to 0…1', () => {
    const q = new NowPlayingQueue();
    q.push(event(a, b));
    expect(q.at(T0 + 15_000).progress).toBeCloseTo(0.25);
    expect(q.at(T0 + 30_000).progress).toBeCloseTo(0.5);
    expect(q.at(T0 + 600_000).progress).toBe(1);
  });

  it('shows the earliest known item when the audio is still before it (page opened mid-item)', () => {
    const q = new NowPlayingQueue();
    q.push(event(b, c));
    const before = q.at(T0 + 55_000);
    expect(before.now?.title).toBe('B');
    expect(before.progress).toBe(0);
  });

  it('keeps events in order whatever order they arrive in, and replaces a repeated start', () => {
    const q = new NowPlayingQueue();
    q.push(event(c));
    q.push(event(a, b));
    q.push(event(b, c));
    q.push(event({ ...b, title: 'B (renamed)' }, c));
    expect(q.at(T0 + 1_000).now?.title).toBe('A');
    expect(q.at(T0 + 60_000).now?.title).toBe('B (renamed)');
    expect(q.at(T0 + 200_000).history.map((i) => i.title)).toEqual(['B (renamed)', 'A']);
  });

  it('is empty off air and after clear', () => {
    const q = new NowPlayingQueue();
    q.push({ now: null, next: [] });
    expect(q.at(T0)).toEqual({ now: null, next: [], history: [], progress: null });
    q.push(event(a));
    q.clear();
    expect(q.at(T0).now).toBeNull();
  });
});
