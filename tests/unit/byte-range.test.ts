import { describe, expect, it } from 'vitest';
import { byteRange } from '$lib/server/http/byte-range';

describe('byteRange: the one range a Range header asks of a file', () => {
  it('reads closed, open and suffix ranges, clamped to the file', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=990-', 1000)).toEqual({ start: 990, end: 999 });
    expect(byteRange('bytes=-10', 1000)).toEqual({ start: 990, end: 999 });
    expect(byteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(byteRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
  });

  it('answers the whole file for no header, garbage, other units, reversed or several ranges', () => {
    for (const h of [undefined, '', 'bytes=', 'bytes=-', 'items=0-1', 'bytes=abc', 'bytes=50-10', 'bytes=0-1,5-9']) expect(byteRange(h, 1000), String(h)).toBeNull();
  });

  it('refuses ranges that start past the end', () => {
    expect(byteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=2000-3000', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });
});
