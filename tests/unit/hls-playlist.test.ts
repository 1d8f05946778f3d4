import { describe, expect, it } from 'vitest';
import { continuePlaylist, segmentsOf } from '$lib/server/live/hls-playlist';

/** A playlist as ffmpeg's hls muxer writes it (epoch start numbers, program date time per segment). */
function upload(first: number, count: number, startMs: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (let i = 0; i < count; i++) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(startMs + i * 2000).toISOString()}`, '#EXTINF:2.000000,', `seg-${first + i}.ts`);
  return `${lines.join('\n')}\n`;
}

const tag = (playlist: string, name: string) => Number(new RegExp(`#${name}:(\\d+)`).exec(playlist)?.[1] ?? NaN);
/** Each listed segment with its media sequence number and discontinuity sequence number, as a player derives them. */
function numbered(playlist: string): { uri: string; msn: number; dsn: number; date: string }[] {
  let msn = tag(playlist, 'EXT-X-MEDIA-SEQUENCE');
  let dsn = tag(playlist, 'EXT-X-DISCONTINUITY-SEQUENCE');
  let date = '';
  const out = [];
  for (const line of playlist.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') dsn++;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) date = line.slice(25);
    else if (line.endsWith('.ts')) out.push({ uri: line, msn: msn++, dsn, date });
  }
  return out;
}

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const W = { windowSize: 6, targetDuration: 2 };

describe('the served live playlist', () => {
  it('is the upload itself while one encoder run slides its window', () => {
    const first = continuePlaylist(null, upload(1000, 3, T0), W);
    expect(numbered(first).map((s) => [s.uri, s.msn, s.dsn])).toEqual([['seg-1000.ts', 1000, 0], ['seg-1001.ts', 1001, 0], ['seg-1002.ts', 1002, 0]]);
    expect(first).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(first).not.toContain('ENDLIST');
    expect(tag(first, 'EXT-X-TARGETDURATION')).toBe(2);
    // An encoder's shorter first segments (hls_init_time) do not lower the target duration players were given.
    expect(tag(continuePlaylist(null, upload(1000, 3, T0).replace('TARGETDURATION:2', 'TARGETDURATION:1'), W), 'EXT-X-TARGETDURATION')).toBe(2);
    const slid = continuePlaylist(first, upload(1002, 6, T0 + 4000), W);
    expect(numbered(slid).map((s) => [s.uri, s.msn])).toEqual([1002, 1003, 1004, 1005, 1006, 1007].map((n) => [`seg-${n}.ts`, n]));
    // The same upload twice changes nothing.
    expect(continuePlaylist(slid, upload(1002, 6, T0 + 4000), W)).toBe(slid);
  });

  it('goes on across a new encoder run: a discontinuity, unchanged numbers for what players have, the window kept', () => {
    const before = continuePlaylist(null, upload(1000, 6, T0), W);
    // The worker crashed; the resumed run's ffmpeg numbers its segments from the epoch again, 40 s later.
    const after = continuePlaylist(before, upload(1040, 1, T0 + 14_000), W);
    const list = numbered(after);
    expect(list.map((s) => s.uri)).toEqual(['seg-1001.ts', 'seg-1002.ts', 'seg-1003.ts', 'seg-1004.ts', 'seg-1005.ts', 'seg-1040.ts']);
    // Every segment a player already knew keeps its media sequence number; the new one follows on, in a new
    // discontinuity sequence, with its own program date time.
    expect(list.map((s) => s.msn)).toEqual([1001, 1002, 1003, 1004, 1005, 1006]);
    expect(list.map((s) => s.dsn)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(list.at(-1)!.date).toBe(new Date(T0 + 14_000).toISOString());
    expect(after.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY')).toHaveLength(1);

    // The new run goes on; once the discontinuity slides out, the discontinuity sequence says so.
    let served = after;
    for (let n = 1041; n <= 1046; n++) served = continuePlaylist(served, upload(Math.max(1040, n - 5), Math.min(6, n - 1039), T0 + 14_000), W);
    const later = numbered(served);
    expect(later.map((s) => s.uri)).toEqual([1041, 1042, 1043, 1044, 1045, 1046].map((n) => `seg-${n}.ts`));
    expect(later.map((s) => s.msn)).toEqual([1007, 1008, 1009, 1010, 1011, 1012]);
    expect(later.every((s) => s.dsn === 1)).toBe(true);
    expect(tag(served, 'EXT-X-DISCONTINUITY-SEQUENCE')).toBe(1);
    expect(served).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(segmentsOf(served)).toEqual(later.map((s) => s.uri));
  });

  it('ignores a late upload of a replaced run, and starts afresh after the station ended', () => {
    const before = continuePlaylist(null, upload(1000, 3, T0), W);
    const resumed = continuePlaylist(before, upload(1040, 2, T0 + 20_000), W);
    // The old run's last upload arrives late: nothing older than what is served is appended.
    expect(continuePlaylist(resumed, upload(1001, 4, T0 + 2000), W)).toBe(resumed);

    const ended = `${resumed.trimEnd()}\n#EXT-X-ENDLIST\n`;
    const again = continuePlaylist(ended, upload(5000, 2, T0 + 600_000), W);
    expect(numbered(again).map((s) => [s.uri, s.msn, s.dsn])).toEqual([['seg-5000.ts', 5000, 0], ['seg-5001.ts', 5001, 0]]);
    expect(again).not.toContain('ENDLIST');
  });
});
