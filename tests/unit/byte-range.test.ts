import { describe, expect, it } from 'vitest';
import { byteRange } from '$lib/server/http/byte-range';

describe('byte ranges of a buffer', () => {
  it('reads a first-last, an open-ended and a suffix range, clamped to the body', () => {
    expect(byteRange('bytes=44-1043', 5000)).toEqual({ start: 44, end: 1043 });
    expect(byteRange('bytes=4000-', 5000)).toEqual({ start: 4000, end: 4999 });
    expect(byteRange('bytes=4000-9999', 5000)).toEqual({ start: 4000, end: 4999 });
    expect(byteRange('bytes=-100', 5000)).toEqual({ start: 4900, end: 4999 });
    expect(byteRange('bytes=-9999', 5000)).toEqual({ start: 0, end: 4999 });
  });

  it('answers the whole body for no range or one it does not serve, and 416 for one outside the body', () => {
    for (const h of [null, '', 'bytes=-', 'items=0-1', 'bytes=0-1,5-6', 'bytes=a-b']) expect(byteRange(h, 5000)).toBeNull();
    expect(byteRange('bytes=5000-', 5000)).toBe('unsatisfiable');
    expect(byteRange('bytes=10-5', 5000)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 5000)).toBe('unsatisfiable');
  });
});
