import { describe, expect, it } from 'vitest';
import { LISTENER_WINDOW_MS, MemoryListenerCounter } from '$lib/server/live/listeners';

describe('the listener counter', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('counts distinct listeners per channel, not heartbeats', () => {
    const c = clock();
    const counter = new MemoryListenerCounter(c.now);
    expect(counter.beat('ch1', 'g:alice')).toBe(1);
    expect(counter.beat('ch1', 'g:alice')).toBe(1);
    expect(counter.beat('ch1', 'u:bob')).toBe(2);
    expect(counter.beat('ch2', 'g:alice')).toBe(1);
    expect(counter.count('ch1')).toBe(2);
    expect(counter.count('ch3')).toBe(0);
  });

  it('drops a listener 45 s after their last heartbeat; a beat within the window keeps them', () => {
    const c = clock();
    const counter = new MemoryListenerCounter(c.now);
    counter.beat('ch1', 'a');
    counter.beat('ch1', 'b');
    c.advance(30_000);
    counter.beat('ch1', 'a');
    c.advance(LISTENER_WINDOW_MS - 30_000 - 1);
    expect(counter.count('ch1')).toBe(2);
    c.advance(1);
    expect(counter.count('ch1')).toBe(1);
    c.advance(30_000);
    expect(counter.count('ch1')).toBe(0);
    expect(counter.channels()).toEqual([]);
  });

  it('drops a listener at once when their player stops', () => {
    const c = clock();
    const counter = new MemoryListenerCounter(c.now);
    counter.beat('ch1', 'a');
    counter.beat('ch1', 'b');
    expect(counter.leave('ch1', 'a')).toBe(1);
    expect(counter.leave('ch1', 'nobody')).toBe(1);
    expect(counter.channels()).toEqual(['ch1']);
  });
});
