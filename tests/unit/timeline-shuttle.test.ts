import { describe, expect, it } from 'vitest';
import { MAX_SHUTTLE_RATE, shuttleRate } from '$lib/timeline/playback-clock.svelte';

// J/K/L as in Premiere: each press the same way doubles the speed, the other way starts over at 1×.
describe('shuttle rates', () => {
  it('L plays forward at 1×, then 2×, 4×, up to the ceiling', () => {
    let rate = 1;
    let running = false;
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      rate = shuttleRate(rate, running, 1);
      running = true;
      seen.push(rate);
    }
    expect(seen).toEqual([1, 2, 4, 8, MAX_SHUTTLE_RATE, MAX_SHUTTLE_RATE]);
  });

  it('J plays backward the same way; switching direction starts over at 1×', () => {
    expect(shuttleRate(1, false, -1)).toBe(-1);
    expect(shuttleRate(-1, true, -1)).toBe(-2);
    expect(shuttleRate(-2, true, -1)).toBe(-4);
    expect(shuttleRate(-4, true, 1)).toBe(1);
    expect(shuttleRate(4, true, -1)).toBe(-1);
  });

  it('from a stop it is always 1× whatever rate was left', () => {
    expect(shuttleRate(4, false, 1)).toBe(1);
    expect(shuttleRate(-8, false, -1)).toBe(-1);
  });
});
