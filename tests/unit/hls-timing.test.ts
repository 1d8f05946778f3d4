import { describe, expect, it } from 'vitest';
import { SegmentClock } from '../../workers/live/hls-timing';

// ffmpeg's lists as its hls muxer writes them: a program date time from its own clock before each segment.
const list = (first: number, segs: [number, number][]) =>
  [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-TARGETDURATION:2',
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    ...segs.flatMap(([n, d]) => [`#EXT-X-PROGRAM-DATE-TIME:2026-11-22T10:00:0${n % 10}.000+0000`, `#EXTINF:${d.toFixed(6)},`, `seg-${n}.ts`]),
    ''
  ].join('\n');
const stamps = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')).map((l) => Date.parse(l.slice(25)));

describe('the HLS segment clock', () => {
  const T0 = Date.parse('2026-11-22T12:00:00.000Z');

  // Stamps carry whole milliseconds.
  it('stamps each segment with the wall time its audio sounds: the first frame plus the segments before it', () => {
    const clock = new SegmentClock();
    expect(stamps(clock.stamp(list(100, [[100, 1.002667]]), T0))).toEqual([T0]);
    expect(stamps(clock.stamp(list(100, [[100, 1.002667], [101, 1.984]]), T0))).toEqual([T0, T0 + 1002]);
    // The window slides: segments that left it are forgotten, the later ones keep their starts.
    const later = clock.stamp(list(101, [[101, 1.984], [102, 2.005333], [103, 1.994667]]), T0);
    expect(stamps(later)).toEqual([T0 + 1002, T0 + 2986, T0 + 4992]);
    // Everything else in the list is left as ffmpeg wrote it.
    expect(later.replace(/#EXT-X-PROGRAM-DATE-TIME:.*\n/g, '')).toBe(list(101, [[101, 1.984], [102, 2.005333], [103, 1.994667]]).replace(/#EXT-X-PROGRAM-DATE-TIME:.*\n/g, ''));
  });

  it('carries on from the last known end when it missed a list (a busy box polls late)', () => {
    const clock = new SegmentClock();
    clock.stamp(list(5, [[5, 2], [6, 2]]), T0);
    // Segment 7 was never seen in a list: 8 is placed after the last end it knows, 6's.
    expect(stamps(clock.stamp(list(8, [[8, 2]]), T0))).toEqual([T0 + 4000]);
  });
});
