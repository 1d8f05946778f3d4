import { describe, expect, it } from 'vitest';
import type { AssetJson } from '$lib/asset';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import type { ClipSnapshot, TimelineSnapshot, TrackKind, TrackSnapshot } from '$lib/editor/model/timeline/snapshot';
import { clipGain, pictureAt, soundsAt, titlesAt } from '$lib/timeline/monitor-mix';

// Snapshots by hand (bottom to top): A1 audio music · V1 video · V2 video · T1 title.

const track = (id: string, kind: TrackKind, over: Partial<TrackSnapshot> = {}): TrackSnapshot => ({
  id,
  kind,
  name: id.toUpperCase(),
  order: id,
  muted: false,
  solo: false,
  locked: false,
  hidden: false,
  ducking: null,
  ...over
});

const asset = (id: string, kind: 'audio' | 'video' | 'image', variants: string[]): AssetJson =>
  ({ id, kind, title: id, variants: variants.map((name) => ({ name, mime: 'x', bytes: 1, sha256: `${id}-${name}`, meta: {}, url: `/f/${id}/${name}` })) }) as unknown as AssetJson;

const ASSETS: Record<string, AssetJson> = {
  music: asset('music', 'audio', ['broadcast', 'waveform']),
  interview: asset('interview', 'video', ['proxy', 'poster']),
  broll: asset('broll', 'video', ['proxy']),
  logo: asset('logo', 'image', ['web', 'thumb'])
};

function cut(clips: ClipSnapshot[], tracks?: TrackSnapshot[], transitions: TimelineSnapshot['transitions'] = []): TimelineSnapshot {
  return {
    settings: { width: 1920, height: 1080, fps: 30 },
    tracks: tracks ?? [track('a1', 'audio'), track('v1', 'video'), track('v2', 'video'), track('t1', 'title')],
    clips,
    transitions,
    markers: []
  };
}

const byTrack = (s: TimelineSnapshot, t: number) => Object.fromEntries(soundsAt(s, ASSETS, t).map((x) => [x.track.id, x]));

describe('sounds at the playhead', () => {
  const clips = [
    newClip({ id: 'm', trackId: 'a1', assetId: 'music', start: 0, in: 10, out: 30, volume: 0.5 }),
    newClip({ id: 'i', trackId: 'v1', assetId: 'interview', start: 2, in: 1, out: 5 }),
    newClip({ id: 'b', trackId: 'v2', assetId: 'broll', start: 3, in: 0, out: 1 })
  ];

  it('gives each audio and video track its clip, source time and gain; titles have none', () => {
    const s = byTrack(cut(clips), 3.5);
    expect(Object.keys(s)).toEqual(['a1', 'v1', 'v2']);
    expect(s.a1).toMatchObject({ clip: { id: 'm' }, variant: { name: 'broadcast' }, time: 13.5, gain: 0.5, audible: true });
    expect(s.v1).toMatchObject({ clip: { id: 'i' }, variant: { name: 'proxy' }, time: 2.5, gain: 1, audible: true });
    expect(s.v2).toMatchObject({ clip: { id: 'b' }, variant: { name: 'proxy' }, time: 0.5 });
  });

  it('is silent in a gap and at the end of a clip, and sounds from a clip’s first frame', () => {
    const s = cut(clips);
    expect(byTrack(s, 1).v1).toMatchObject({ clip: null, variant: null, gain: 0 });
    expect(byTrack(s, 4).v2.clip).toBeNull(); // b covers [3, 4)
    expect(byTrack(s, 2).v1.clip?.id).toBe('i');
  });

  it('has no sound for an image, nor for an asset the bin has not listed', () => {
    const s = cut([newClip({ id: 'l', trackId: 'v1', assetId: 'logo', start: 0, out: 5 }), newClip({ id: 'u', trackId: 'v2', assetId: 'unknown', start: 0, out: 5 })]);
    expect(byTrack(s, 1).v1.clip).toBeNull();
    expect(byTrack(s, 1).v2.clip).toBeNull();
  });

  it('maps speed into source time', () => {
    const s = cut([newClip({ id: 'f', trackId: 'a1', assetId: 'music', start: 4, in: 2, out: 12, speed: 2 })]);
    expect(byTrack(s, 4).a1.time).toBe(2);
    expect(byTrack(s, 6.5).a1.time).toBe(7);
    expect(byTrack(s, 9).a1.clip).toBeNull(); // 10 s of source at 2× lasts 5 s: [4, 9)
  });

  it('mutes muted tracks; with a solo track only solo tracks sound; hidden tracks still sound', () => {
    const tracks = (over: Record<string, Partial<TrackSnapshot>>) => [track('a1', 'audio', over.a1), track('v1', 'video', over.v1), track('v2', 'video', over.v2)];
    const heard = (s: TimelineSnapshot) => soundsAt(s, ASSETS, 3.5).filter((x) => x.audible).map((x) => x.track.id);
    expect(heard(cut(clips, tracks({ a1: { muted: true } })))).toEqual(['v1', 'v2']);
    expect(heard(cut(clips, tracks({ v1: { solo: true } })))).toEqual(['v1']);
    expect(heard(cut(clips, tracks({ v1: { solo: true }, a1: { solo: true } })))).toEqual(['a1', 'v1']);
    expect(heard(cut(clips, tracks({ v1: { solo: true, muted: true } })))).toEqual([]);
    expect(heard(cut(clips, tracks({ v2: { hidden: true } })))).toEqual(['a1', 'v1', 'v2']);
  });
});

describe('clip gain', () => {
  it('fades in and out linearly over the fade lengths', () => {
    const c = newClip({ id: 'm', trackId: 'a1', assetId: 'music', start: 10, out: 10, volume: 0.8, fadeIn: 2, fadeOut: 4 });
    const s = cut([c]);
    expect(clipGain(s, c, 10)).toBe(0);
    expect(clipGain(s, c, 11)).toBeCloseTo(0.4, 9);
    expect(clipGain(s, c, 14)).toBeCloseTo(0.8, 9);
    expect(clipGain(s, c, 17)).toBeCloseTo(0.6, 9);
    expect(clipGain(s, c, 20)).toBe(0);
  });

  it('leaves out the fade on a side that has a transition, as the render does', () => {
    const a = newClip({ id: 'a', trackId: 'a1', assetId: 'music', start: 0, out: 5, fadeIn: 1, fadeOut: 1 });
    const b = newClip({ id: 'b', trackId: 'a1', assetId: 'music', start: 5, in: 5, out: 10, fadeIn: 1, fadeOut: 1 });
    const s = cut([a, b], undefined, [{ id: 'x', fromClipId: 'a', toClipId: 'b', kind: 'fade', duration: 1 }]);
    expect(clipGain(s, a, 4.5)).toBe(1);
    expect(clipGain(s, b, 5.5)).toBe(1);
    expect(clipGain(s, a, 0.5)).toBeCloseTo(0.5, 9);
    expect(clipGain(s, b, 9.5)).toBeCloseTo(0.5, 9);
  });

  it('follows volume keyframes (which replace the clip volume), with their easing, never below 0, possibly above 1', () => {
    const c = newClip({
      id: 'm',
      trackId: 'a1',
      assetId: 'music',
      start: 2,
      out: 10,
      volume: 0.1,
      keyframes: {
        volume: [
          { t: 0, value: 0, easing: 'linear' },
          { t: 4, value: 2, easing: 'ease-in' },
          { t: 6, value: -1, easing: 'linear' }
        ]
      }
    });
    const s = cut([c]);
    expect(clipGain(s, c, 2)).toBe(0);
    expect(clipGain(s, c, 4)).toBeCloseTo(1, 9);
    expect(clipGain(s, c, 6)).toBeCloseTo(2, 9);
    expect(clipGain(s, c, 7)).toBeCloseTo(2 - 3 * 0.25, 9); // ease-in: a quarter of the way at half time
    expect(clipGain(s, c, 9)).toBe(0); // held at −1 after the last key, floored at 0
  });
});

describe('picture at the playhead', () => {
  it('is the top visible video clip with a proxy', () => {
    const clips = [
      newClip({ id: 'i', trackId: 'v1', assetId: 'interview', start: 0, in: 1, out: 9 }),
      newClip({ id: 'b', trackId: 'v2', assetId: 'broll', start: 3, out: 2 }),
      newClip({ id: 'l', trackId: 'v2', assetId: 'logo', start: 6, out: 2 })
    ];
    expect(pictureAt(cut(clips), ASSETS, 4)).toMatchObject({ clip: { id: 'b' }, track: { id: 'v2' }, time: 1 });
    expect(pictureAt(cut(clips), ASSETS, 1)).toMatchObject({ clip: { id: 'i' }, time: 2 });
    expect(pictureAt(cut(clips), ASSETS, 7)?.clip.id).toBe('i'); // an image has no proxy: the clip below shows
    const hidden = [track('v1', 'video'), track('v2', 'video', { hidden: true })];
    expect(pictureAt(cut(clips, hidden), ASSETS, 4)?.clip.id).toBe('i');
    expect(pictureAt(cut(clips), ASSETS, 9)).toBeNull();
  });
});

describe('titles at the playhead', () => {
  const tracks = [track('v1', 'video'), track('t1', 'title'), track('t2', 'title')];

  it('lists the titles under the playhead bottom to top, skipping hidden tracks and empty text', () => {
    const clips = [
      newTitleClip({ id: 'top', trackId: 't2', start: 0, duration: 4, text: 'Top' }),
      newTitleClip({ id: 'low', trackId: 't1', start: 1, duration: 4, text: 'Low' }),
      newTitleClip({ id: 'blank', trackId: 't1', start: 6, duration: 2, text: '  ' })
    ];
    expect(titlesAt(cut(clips, tracks), 2).map((l) => l.clip.id)).toEqual(['low', 'top']);
    expect(titlesAt(cut(clips, tracks), 0.5).map((l) => l.clip.id)).toEqual(['top']);
    expect(titlesAt(cut(clips, tracks), 7)).toEqual([]);
    const hidden = [track('v1', 'video'), track('t1', 'title'), track('t2', 'title', { hidden: true })];
    expect(titlesAt(cut(clips, hidden), 2).map((l) => l.clip.id)).toEqual(['low']);
  });

  it('fades in and out over the first and last 0.5 s (a third of a short title), times opacity and clip fades', () => {
    const title = newTitleClip({ id: 'a', trackId: 't1', start: 10, duration: 6, text: 'Fade', style: { animationIn: 'fade', animationOut: 'fade' } });
    const alpha = (c: ClipSnapshot, t: number) => titlesAt(cut([c], tracks), t)[0]?.alpha;
    expect(alpha(title, 10)).toBe(0);
    expect(alpha(title, 10.25)).toBeCloseTo(0.5, 9);
    expect(alpha(title, 13)).toBe(1);
    expect(alpha(title, 15.75)).toBeCloseTo(0.5, 9);
    expect(alpha({ ...title, opacity: 0.5, fadeIn: 2 }, 11)).toBeCloseTo(0.25, 9);
    const short = newTitleClip({ id: 's', trackId: 't1', start: 0, duration: 0.9, text: 'Short' });
    expect(alpha(short, 0.15)).toBeCloseTo(0.5, 9);
    const still = newTitleClip({ id: 'n', trackId: 't1', start: 0, duration: 4, text: 'Still', style: { animationIn: 'none', animationOut: 'none' } });
    expect(alpha(still, 0)).toBe(1);
  });

  it('slides up into place, scales the font with the clip, and carries position and box padding', () => {
    const title = newTitleClip({
      id: 'a',
      trackId: 't1',
      start: 0,
      duration: 4,
      text: 'Up',
      style: { size: 100, animationIn: 'slide-up', animationOut: 'none', box: { color: '#000', padding: 10 } }
    });
    const c = { ...title, transform: { ...title.transform, scale: 2, x: 30, y: -20 } };
    const [start] = titlesAt(cut([c], tracks), 0);
    expect(start).toMatchObject({ size: 200, dx: 30, dy: -20 + 150, padding: 20, alpha: 0 });
    const [settled] = titlesAt(cut([c], tracks), 2);
    expect(settled).toMatchObject({ dy: -20, alpha: 1 });
  });
});
