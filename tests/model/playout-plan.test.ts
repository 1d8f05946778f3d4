import { describe, expect, it } from 'vitest';
import { scheduleOverlaps } from '$lib/editor/model/schedule/occurrences';
import { localDate } from '$lib/editor/model/schedule/wall-time';
import { MIN_CUT_PLAY_MS, nowPlaying, planPlayout, validatePlan, type PlannedItem, type PlayoutInput } from '$lib/editor/model/schedule/playout-plan';
import type { StationAsset } from '$lib/editor/model/playlist/snapshot';
import { at, CHANNEL, describe as lines, inputOf, MIN, playlistsOf, scheduleOf, SEC, song, songs, type BlockDef, type PlaylistDef } from '../helpers/station';

/** Rotation songs r1…r10 of 5 minutes from midnight UTC: boundaries on every 5th minute until something intervenes. */
const ROTATION: PlaylistDef = { id: 'rot', assets: Array.from({ length: 10 }, (_, i) => `r${i + 1}`) };
const BASE_ASSETS: Record<string, StationAsset> = { ...songs('r', 10, 300), ...songs('s', 10, 300), ...songs('j', 3, 8) };

type StationParts = { playlists?: PlaylistDef[]; blocks?: BlockDef[]; assets?: Record<string, StationAsset>; rotation?: boolean; timezone?: string } & Partial<Omit<PlayoutInput, 'playlists' | 'schedule' | 'assets'>>;

function station(parts: StationParts): PlayoutInput {
  const { playlists = [], blocks = [], assets = BASE_ASSETS, rotation = true, timezone = 'UTC', ...rest } = parts;
  return inputOf({
    playlists: playlistsOf([ROTATION, ...playlists]),
    schedule: scheduleOf(blocks, { timezone, rotation: rotation ? [{ playlistId: 'rot', weight: 1 }] : [] }),
    assets,
    ...rest
  });
}

/** Plans and checks the plan is sound before any scenario assertion. */
function plan(input: PlayoutInput): PlannedItem[] {
  const items = planPlayout(input);
  expect(validatePlan(items, input), lines(items).join('\n')).toEqual([]);
  expect(items.length).toBe(input.count);
  return items;
}

const shows = { id: 'show', assets: ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'] } satisfies PlaylistDef;
const firstOf = (items: PlannedItem[], blockId: string | null, kind = 'track') => items.find((i) => i.blockId === blockId && i.kind === kind)!;

describe('empty schedule: rotation, then fallback, then emergency — never silence', () => {
  it('with no blocks the default rotation plays, continuous from the local day’s start', () => {
    const items = plan(station({ at: at('2026-01-05T10:00:00Z'), count: 4 }));
    // 10 h of 5-minute songs from midnight: the 121st song starts at 10:00 and the rotation is sequential over 10.
    expect(items.map((i) => [i.start, i.assetId, i.kind, i.show, i.blockId])).toEqual([
      [at('2026-01-05T10:00:00Z'), 'r1', 'track', 'Rotation', null],
      [at('2026-01-05T10:05:00Z'), 'r2', 'track', 'Rotation', null],
      [at('2026-01-05T10:10:00Z'), 'r3', 'track', 'Rotation', null],
      [at('2026-01-05T10:15:00Z'), 'r4', 'track', 'Rotation', null]
    ]);
  });

  it('an empty rotation falls back to the channel’s fallback playlist', () => {
    const input = station({ rotation: false, playlists: [{ id: 'safe', assets: ['s1', 's2'] }], channel: { ...CHANNEL, fallbackPlaylistId: 'safe' }, count: 3 });
    const items = plan(input);
    expect(items.map((i) => [i.kind, i.assetId, i.playlistId, i.alert])).toEqual([
      ['fallback', 's1', 'safe', false],
      ['fallback', 's2', 'safe', false],
      ['fallback', 's1', 'safe', false]
    ]);
    expect(items[0].reason).toContain('fallback playlist "safe"');
  });

  it('nothing playable anywhere: emergency station-ID items, flagged, back to back', () => {
    const input = station({ rotation: false, channel: { ...CHANNEL, fallbackPlaylistId: 'gone' }, count: 3, at: at('2026-01-05T10:00:10Z') });
    const items = plan(input);
    expect(items.every((i) => i.kind === 'emergency' && i.alert && i.assetId === null && i.end - i.start === 30 * SEC)).toBe(true);
    expect(items[0].start).toBe(at('2026-01-05T10:00:00Z'));
    expect(items[1].start).toBe(items[0].end);
  });

  it('a rotation whose assets were all deleted or unapproved counts as empty', () => {
    const assets = { ...BASE_ASSETS, r1: song(300, { approved: false }) };
    for (let i = 2; i <= 10; i++) delete (assets as Record<string, StationAsset>)[`r${i}`];
    const items = plan(station({ assets, playlists: [{ id: 'safe', assets: ['s3'] }], channel: { ...CHANNEL, fallbackPlaylistId: 'safe' }, count: 2 }));
    expect(items.map((i) => [i.kind, i.assetId])).toEqual([
      ['fallback', 's3'],
      ['fallback', 's3']
    ]);
  });

  it('a show with nothing playable plays the rotation under its own name, then the fallback', () => {
    const assets = { ...BASE_ASSETS, s1: song(300, { approved: false }) };
    const blocks: BlockDef[] = [{ id: 'empty', name: 'Empty show', start: '10:00', minutes: 60, playlists: [{ playlistId: 'thin', weight: 1 }] }];
    const input = station({ assets, blocks, playlists: [{ id: 'thin', assets: ['s1'] }], at: at('2026-01-05T10:00:00Z'), count: 2 });
    const items = plan(input);
    expect(items.filter((i) => i.kind === 'track').map((i) => [i.blockId, i.show, i.playlistId])).toEqual([['empty', 'Empty show', 'rot']]);
    expect(items.find((i) => i.kind === 'track')!.reason).toContain('"Empty show" has nothing playable: default rotation');
    const noRotation = plan({ ...input, schedule: { ...input.schedule, settings: { ...input.schedule.settings, rotation: [] } }, channel: { ...CHANNEL, fallbackPlaylistId: 'rot' } });
    // The rotation playlist is now only the channel's fallback: the show airs it as fallback items.
    expect(noRotation.filter((i) => i.blockId === 'empty').map((i) => i.kind)).toEqual(['break', 'fallback']);
  });
});

describe('soft and hard starts, breaks, an item longer than its block', () => {
  const long = { ...BASE_ASSETS, long: song(15 * 60) };
  const blocks = (nextMode: 'hard' | 'soft'): BlockDef[] => [
    { id: 'a', name: 'Show A', start: '10:00', minutes: 10, playlists: [{ playlistId: 'longs', weight: 1 }] },
    { id: 'b', name: 'Show B', start: '10:10', minutes: 60, playlists: [{ playlistId: 'show', weight: 1 }], startMode: nextMode }
  ];
  const input = (mode: 'hard' | 'soft') => station({ assets: long, blocks: blocks(mode), playlists: [shows, { id: 'longs', assets: ['long'] }], at: at('2026-01-05T09:58:00Z'), count: 6 });

  it('soft: a 3-second break on the show change, then the block; its long item finishes past the block’s end', () => {
    const items = plan(input('soft'));
    expect(items.map((i) => [i.kind, i.assetId, i.blockId, i.start, i.end])).toEqual([
      ['track', 'r10', null, at('2026-01-05T09:55:00Z'), at('2026-01-05T10:00:00Z')],
      ['break', null, 'a', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:00:03Z')],
      ['track', 'long', 'a', at('2026-01-05T10:00:03Z'), at('2026-01-05T10:15:03Z')],
      ['break', null, 'b', at('2026-01-05T10:15:03Z'), at('2026-01-05T10:15:06Z')],
      ['track', 's1', 'b', at('2026-01-05T10:15:06Z'), at('2026-01-05T10:20:06Z')],
      ['track', 's2', 'b', at('2026-01-05T10:20:06Z'), at('2026-01-05T10:25:06Z')]
    ]);
    expect(items[1].reason).toBe('show change: "Rotation" → "Show A"');
  });

  it('hard: the long item is cut with the fade where the break before the show begins; the show starts on the second', () => {
    const items = plan(input('hard'));
    expect(items.map((i) => [i.kind, i.assetId, i.blockId, i.start, i.end, i.fadeOut])).toEqual([
      ['track', 'r10', null, at('2026-01-05T09:55:00Z'), at('2026-01-05T10:00:00Z'), 0],
      ['break', null, 'a', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:00:03Z'), 0],
      ['track', 'long', 'a', at('2026-01-05T10:00:03Z'), at('2026-01-05T10:09:57Z'), 2],
      ['break', null, 'b', at('2026-01-05T10:09:57Z'), at('2026-01-05T10:10:00Z'), 0],
      ['track', 's1', 'b', at('2026-01-05T10:10:00Z'), at('2026-01-05T10:15:00Z'), 0],
      ['track', 's2', 'b', at('2026-01-05T10:15:00Z'), at('2026-01-05T10:20:00Z'), 0]
    ]);
    expect(items[2].reason).toContain('cut for the hard start of "Show B"');
  });

  it('a soft block starts at the first item boundary at or after its start', () => {
    const assets = { ...BASE_ASSETS, ...songs('x', 10, 7 * 60) };
    const input = station({
      assets,
      playlists: [shows, { id: 'sevens', assets: ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10'] }],
      blocks: [{ id: 'b', start: '10:00', minutes: 60, playlists: [{ playlistId: 'show', weight: 1 }] }],
      at: at('2026-01-05T09:50:00Z'),
      count: 4
    });
    input.schedule.settings.rotation = [{ playlistId: 'sevens', weight: 1 }];
    const items = plan(input);
    // 7-minute songs from midnight: boundaries at 09:55 and 10:02; the show waits for 10:02.
    expect(items.map((i) => [i.kind, i.blockId, i.start])).toEqual([
      ['track', null, at('2026-01-05T09:48:00Z')],
      ['track', null, at('2026-01-05T09:55:00Z')],
      ['break', 'b', at('2026-01-05T10:02:00Z')],
      ['track', 'b', at('2026-01-05T10:02:03Z')]
    ]);
  });

  it('a hard start of the same show (back-to-back days) cuts without a break', () => {
    const input = (minutes: number) =>
      station({
        assets: { ...BASE_ASSETS, long: song(minutes * 60) },
        playlists: [{ id: 'longs', assets: ['long'] }],
        blocks: [{ id: 'day', start: '00:00', minutes: 1440, startMode: 'hard', playlists: [{ playlistId: 'longs', weight: 1 }] }],
        at: at('2026-01-05T23:50:00Z'),
        count: 2
      });
    // 20-minute items from midnight fill the day exactly (72 of them): nothing to cut.
    expect(plan(input(20)).map((i) => [i.start, i.end, i.fadeOut])).toEqual([
      [at('2026-01-05T23:40:00Z'), at('2026-01-06T00:00:00Z'), 0],
      [at('2026-01-06T00:00:00Z'), at('2026-01-06T00:20:00Z'), 0]
    ]);
    // 25-minute items: the 58th starts at 23:45 and is cut at midnight, with no break (the show does not change).
    expect(plan(input(25)).map((i) => [i.kind, i.start, i.end, i.fadeOut])).toEqual([
      ['track', at('2026-01-05T23:45:00Z'), at('2026-01-06T00:00:00Z'), 2],
      ['track', at('2026-01-06T00:00:00Z'), at('2026-01-06T00:25:00Z'), 0]
    ]);
  });

  it('seconds too few for a track before a hard start become a pause, not a blip', () => {
    const make = (seconds: number) => {
      const input = station({
        assets: { ...BASE_ASSETS, odd: song(seconds) },
        playlists: [shows, { id: 'odd', assets: ['odd'] }],
        blocks: [{ id: 'news', start: '10:00', minutes: 30, startMode: 'hard', playlists: [{ playlistId: 'show', weight: 1 }] }],
        at: at('2026-01-05T09:59:56Z'),
        count: 3
      });
      input.schedule.settings.rotation = [{ playlistId: 'odd', weight: 1 }];
      return plan(input);
    };
    // 3599.5 s items from midnight: the 10th ends at 09:59:55, 2 s before the cut at 09:59:57.
    const pause = make(3599.5);
    expect(pause.map((i) => [i.kind, i.start, i.end])).toEqual([
      ['break', at('2026-01-05T09:59:55Z'), at('2026-01-05T10:00:00Z')],
      ['track', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:05:00Z')],
      ['track', at('2026-01-05T10:05:00Z'), at('2026-01-05T10:10:00Z')]
    ]);
    expect(pause[0].end - pause[0].start).toBeLessThan(3 * SEC + MIN_CUT_PLAY_MS);
    // 3599 s items: the 11th starts at 09:59:50 with 7 s of room, enough to play and fade.
    const cut = make(3599);
    expect(cut.slice(0, 3).map((i) => [i.kind, i.start, i.end])).toEqual([
      ['track', at('2026-01-05T09:59:50Z'), at('2026-01-05T09:59:57Z')],
      ['break', at('2026-01-05T09:59:57Z'), at('2026-01-05T10:00:00Z')],
      ['track', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:05:00Z')]
    ]);
  });

  it('a hard start added while an item plays cuts the item on air (replanned from the history)', () => {
    const history = [{ kind: 'track' as const, assetId: 'r5', start: at('2026-01-05T09:58:00Z'), end: at('2026-01-05T10:03:00Z'), blockId: null, playlistId: 'rot' }];
    const input = station({ history, playlists: [shows], blocks: [{ id: 'news', start: '10:00', minutes: 30, startMode: 'hard', playlists: [{ playlistId: 'show', weight: 1 }] }], at: at('2026-01-05T09:59:00Z'), count: 3 });
    const items = plan(input);
    expect(items.map((i) => [i.kind, i.assetId, i.start, i.end, i.fadeOut])).toEqual([
      ['track', 'r5', at('2026-01-05T09:58:00Z'), at('2026-01-05T09:59:57Z'), 2],
      ['break', null, at('2026-01-05T09:59:57Z'), at('2026-01-05T10:00:00Z'), 0],
      ['track', 's1', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:05:00Z'), 0]
    ]);
  });

  it('the break length and the hard-start fade come from the schedule settings', () => {
    const input = station({ playlists: [shows], blocks: [{ id: 'b', start: '10:02', minutes: 30, startMode: 'hard', playlists: [{ playlistId: 'show', weight: 1 }] }], at: at('2026-01-05T10:00:00Z'), count: 3 });
    input.schedule.settings = { ...input.schedule.settings, breakSeconds: 5, hardStartFadeSeconds: 4 };
    const items = plan(input);
    expect(items.map((i) => [i.kind, i.start, i.end, i.fadeOut])).toEqual([
      ['track', at('2026-01-05T10:00:00Z'), at('2026-01-05T10:01:55Z'), 4],
      ['break', at('2026-01-05T10:01:55Z'), at('2026-01-05T10:02:00Z'), 0],
      ['track', at('2026-01-05T10:02:00Z'), at('2026-01-05T10:07:00Z'), 0]
    ]);
    input.schedule.settings.breakSeconds = 0;
    expect(plan(input).map((i) => [i.kind, i.end])).toEqual([
      ['track', at('2026-01-05T10:02:00Z')],
      ['track', at('2026-01-05T10:07:00Z')],
      ['track', at('2026-01-05T10:12:00Z')]
    ]);
  });
});

describe('overlaps are resolved by priority, then the later start, then the smaller id', () => {
  const overlapping = (b: Partial<BlockDef>): BlockDef[] => [
    { id: 'long', start: '10:00', minutes: 120, playlists: [{ playlistId: 'show', weight: 1 }] },
    { id: 'mid', start: '11:00', minutes: 30, playlists: [{ playlistId: 'others', weight: 1 }], ...b }
  ];
  const input = (b: Partial<BlockDef>) =>
    station({ playlists: [shows, { id: 'others', assets: ['s9'] }], blocks: overlapping(b), at: at('2026-01-05T10:55:00Z'), count: 12 });

  it('a higher-priority block interrupts (at a boundary) and the lower one resumes after it', () => {
    const items = plan(input({ priority: 5 }));
    const blocks = items.filter((i) => i.kind === 'track').map((i) => i.blockId);
    // long's songs run from 10:00:03 (after the break): its boundary at 11:00:03 lets mid in, which fits six songs.
    expect(blocks).toEqual(['long', 'long', 'mid', 'mid', 'mid', 'mid', 'mid', 'mid', 'long', 'long']);
    expect(firstOf(items, 'mid').start).toBe(at('2026-01-05T11:00:06Z'));
    expect(items.filter((i) => i.blockId === 'mid' && i.kind === 'track').at(-1)!.end).toBe(at('2026-01-05T11:30:06Z'));
    expect(items.filter((i) => i.kind === 'break').map((i) => i.blockId)).toEqual(['mid', 'long']);
  });

  it('with equal priority the later start wins; a lower priority loses the whole overlap', () => {
    expect(plan(input({})).some((i) => i.blockId === 'mid')).toBe(true);
    expect(plan(input({ priority: -1 })).some((i) => i.blockId === 'mid')).toBe(false);
  });

  it('with equal priority and start, the smaller id wins', () => {
    const blocks: BlockDef[] = [
      { id: 'zeta', start: '11:00', minutes: 30, playlists: [{ playlistId: 'show', weight: 1 }] },
      { id: 'alpha', start: '11:00', minutes: 30, playlists: [{ playlistId: 'others', weight: 1 }] }
    ];
    const items = plan(station({ playlists: [shows, { id: 'others', assets: ['s9'] }], blocks, at: at('2026-01-05T11:00:00Z'), count: 3 }));
    expect(items.filter((i) => i.kind === 'track').map((i) => i.blockId)).toEqual(['alpha', 'alpha']);
  });

  it('scheduleOverlaps lists each conflict with its winner, for the week view', () => {
    const schedule = scheduleOf([...overlapping({ priority: 5 }), { id: 'alone', start: '18:00', minutes: 60 }]);
    const overlaps = scheduleOverlaps(schedule.blocks, at('2026-01-05T00:00:00Z'), at('2026-01-07T00:00:00Z'));
    expect(overlaps).toEqual([
      { blockIds: ['long', 'mid'], dates: ['2026-01-05', '2026-01-05'], from: at('2026-01-05T11:00:00Z'), to: at('2026-01-05T11:30:00Z'), winnerId: 'mid' },
      { blockIds: ['long', 'mid'], dates: ['2026-01-06', '2026-01-06'], from: at('2026-01-06T11:00:00Z'), to: at('2026-01-06T11:30:00Z'), winnerId: 'mid' }
    ]);
    expect(scheduleOverlaps(schedule.blocks.filter((b) => b.id !== 'mid'), at('2026-01-05T00:00:00Z'), at('2026-01-12T00:00:00Z'))).toEqual([]);
  });
});

describe('crossfades', () => {
  const xf = { ...CHANNEL, crossfadeSeconds: 2.5 };

  it('the next item starts exactly the crossfade before the previous ends, both fading over it', () => {
    const items = plan(station({ channel: xf, at: at('2026-01-05T10:00:00Z'), count: 6 }));
    for (let i = 1; i < items.length; i++) {
      expect(items[i].start).toBe(items[i - 1].end - 2500);
      expect([items[i - 1].fadeOut, items[i].fadeIn]).toEqual([2.5, 2.5]);
    }
    // From midnight each 300 s song advances the clock by 297.5 s.
    expect((items[0].start - at('2026-01-05T00:00:00Z')) % 297_500).toBe(0);
  });

  it('no crossfade across a break, a hard start, or with an item shorter than twice the crossfade', () => {
    const input = station({
      channel: xf,
      playlists: [shows, { id: 'ids', kind: 'jingle', jingle: { every: 'songs', songs: 2 }, assets: ['j1'] }],
      blocks: [{ id: 'b', start: '10:00', minutes: 60, startMode: 'hard', playlists: [{ playlistId: 'show', weight: 1 }, { playlistId: 'ids', weight: 1 }] }],
      at: at('2026-01-05T09:58:00Z'),
      count: 8
    });
    input.assets = { ...input.assets, j1: song(4) };
    const items = plan(input);
    const breakAt = items.findIndex((i) => i.kind === 'break');
    expect(items[breakAt - 1].fadeOut).toBe(2); // cut by the hard start: the hard-start fade, not a crossfade
    expect(items[breakAt + 1]).toMatchObject({ start: at('2026-01-05T10:00:00Z'), fadeIn: 0 });
    const jingle = items.findIndex((i) => i.kind === 'jingle');
    expect(items[jingle]).toMatchObject({ fadeIn: 0, fadeOut: 0, start: items[jingle - 1].end });
    expect(items[jingle + 1].start).toBe(items[jingle].end);
  });
});

describe('the 3-second break when the generator prompt changes', () => {
  const generated: PlaylistDef[] = [
    { id: 'calm', kind: 'generated', prompt: 'calm piano', assets: ['s1', 's2', 's3'] },
    { id: 'loud', kind: 'generated', prompt: 'upbeat funk', assets: ['s4', 's5', 's6'] },
    { id: 'ids', kind: 'jingle', jingle: { every: 'songs', songs: 1 }, assets: ['j1'] }
  ];
  const block = (extra: Partial<BlockDef> = {}): BlockDef[] => [
    { id: 'gen', start: '10:00', minutes: 120, playlists: [{ playlistId: 'calm', weight: 1 }, { playlistId: 'loud', weight: 1 }], ...extra }
  ];

  it('a break between songs of different prompts, none between songs of the same prompt', () => {
    const items = plan(station({ playlists: generated, blocks: block(), at: at('2026-01-05T10:00:00Z'), count: 14 }));
    const inShow = items.filter((i) => i.blockId === 'gen');
    for (let i = 1; i < inShow.length; i++) {
      const [a, b] = [inShow[i - 1], inShow[i]];
      if (b.kind !== 'track' || a.kind !== 'track') continue;
      // Consecutive tracks never differ in prompt: a break separates them.
      expect(a.prompt).toBe(b.prompt);
    }
    const promptBreaks = inShow.filter((i) => i.kind === 'break' && i.reason === 'generator prompt change');
    expect(promptBreaks.length).toBeGreaterThanOrEqual(3);
    for (const br of promptBreaks) expect(br.end - br.start).toBe(3 * SEC);
  });

  it('jingles between songs keep the prompt: the break comes before the song that changes it', () => {
    const items = plan(station({ playlists: generated, blocks: block({ playlists: [{ playlistId: 'calm', weight: 1 }, { playlistId: 'loud', weight: 1 }, { playlistId: 'ids', weight: 1 }] }), at: at('2026-01-05T10:00:00Z'), count: 16 }));
    const inShow = items.filter((i) => i.blockId === 'gen');
    expect(inShow.map((i) => i.kind)).toContain('jingle');
    inShow.forEach((item, i) => {
      if (item.kind === 'break' && item.reason === 'generator prompt change' && i + 1 < inShow.length) {
        expect(inShow[i + 1].kind).toBe('track');
        expect(inShow[i - 1].kind).toBe('jingle');
      }
    });
    expect(inShow.some((i) => i.kind === 'break' && i.reason === 'generator prompt change')).toBe(true);
  });

  it('a prompt on the block overrides the playlists’: no prompt breaks inside the show', () => {
    const items = plan(station({ playlists: generated, blocks: block({ prompt: 'late night' }), at: at('2026-01-05T10:00:00Z'), count: 10 }));
    const inShow = items.filter((i) => i.blockId === 'gen');
    expect(inShow.filter((i) => i.kind === 'break').map((i) => i.reason)).toEqual(['show change: "Rotation" → "gen"']);
    expect(new Set(inShow.filter((i) => i.kind === 'track').map((i) => i.prompt))).toEqual(new Set(['late night']));
  });
});

describe('jingles', () => {
  it('every N songs: N songs of the show, then a jingle, never two in a row', () => {
    const input = station({
      playlists: [shows, { id: 'ids', kind: 'jingle', jingle: { every: 'songs', songs: 3 }, assets: ['j1', 'j2'], playback: 'sequential' }],
      blocks: [{ id: 'b', start: '10:00', minutes: 120, playlists: [{ playlistId: 'show', weight: 1 }, { playlistId: 'ids', weight: 1 }] }],
      at: at('2026-01-05T10:00:00Z'),
      count: 10
    });
    const items = plan(input);
    expect(items.map((i) => (i.kind === 'jingle' ? i.assetId : i.kind))).toEqual(['break', 'track', 'track', 'track', 'j1', 'track', 'track', 'track', 'j2', 'track']);
  });

  it('hourly at :MM: at the first boundary at or after :MM, once each hour', () => {
    const assets = { ...BASE_ASSETS, ...songs('x', 10, 7 * 60) };
    const input = station({ assets, playlists: [{ id: 'sevens', assets: ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10'] }, { id: 'top', kind: 'jingle', jingle: { every: 'hour', minute: 30 }, assets: ['j1'] }], at: at('2026-01-05T10:00:00Z'), count: 40 });
    input.schedule.settings.rotation = [{ playlistId: 'sevens', weight: 1 }, { playlistId: 'top', weight: 1 }];
    const items = plan(input);
    const jingles = items.map((item, i) => ({ item, i })).filter(({ item }) => item.kind === 'jingle');
    expect(jingles.length).toBeGreaterThanOrEqual(3);
    for (const { item, i } of jingles) {
      const mark = Math.floor((item.start - 30 * MIN) / (60 * MIN)) * 60 * MIN + 30 * MIN;
      expect(item.start).toBeGreaterThanOrEqual(mark);
      expect(items[i - 1].start).toBeLessThan(mark); // the first boundary after :30
    }
    const hours = jingles.map(({ item }) => Math.floor((item.start - 30 * MIN) / (60 * MIN)));
    expect(new Set(hours).size).toBe(hours.length);
    expect(hours).toEqual(hours.map((_, k) => hours[0] + k)); // every hour, none skipped
  });

  it('hourly: a show that starts after :MM does not play the hour’s jingle late', () => {
    const input = station({
      playlists: [shows, { id: 'top', kind: 'jingle', jingle: { every: 'hour', minute: 0 }, assets: ['j1'] }],
      blocks: [{ id: 'b', start: '10:20', minutes: 120, playlists: [{ playlistId: 'show', weight: 1 }, { playlistId: 'top', weight: 1 }] }],
      at: at('2026-01-05T10:20:00Z'),
      count: 14
    });
    const jingles = plan(input).filter((i) => i.kind === 'jingle');
    expect(jingles.map((j) => new Date(j.start).toISOString().slice(11, 16))).toEqual(['11:00']);
  });

  it('hourly across the autumn change: three real hours, three jingles, two of them at 02:15 local', () => {
    const input = station({
      timezone: 'Europe/Berlin',
      playlists: [{ id: 'top', kind: 'jingle', jingle: { every: 'hour', minute: 15 }, assets: ['j1'] }],
      at: at('2026-10-25T00:00:00Z'),
      count: 44
    });
    input.schedule.settings.rotation = [{ playlistId: 'rot', weight: 1 }, { playlistId: 'top', weight: 1 }];
    const items = plan(input);
    // Each jingle is 8 s, so the 5-minute boundaries drift by 8 s an hour: each is the first boundary after :15.
    const starts = items.filter((i) => i.kind === 'jingle' && i.start < at('2026-10-25T03:00:00Z')).map((i) => new Date(i.start).toISOString().slice(11, 19));
    expect(starts.map((s) => s.slice(0, 5))).toEqual(['00:15', '01:15', '02:15']);
    expect(starts.map((s) => Number(s.slice(6)))).toEqual([...starts.map((s) => Number(s.slice(6)))].sort((a, b) => a - b));
  });
});

describe('shuffle, order and weights', () => {
  it('shuffle never repeats an asset within the last N songs, counting the history', () => {
    const history = ['s1', 's2', 's3'].map((assetId, i) => ({ kind: 'track' as const, assetId, start: at('2026-01-05T09:45:00Z') + i * 5 * MIN, end: at('2026-01-05T09:50:00Z') + i * 5 * MIN, blockId: null, playlistId: 'mix' }));
    const input = station({ history, playlists: [{ id: 'mix', playback: 'shuffle', noRepeat: 3, assets: ['s1', 's2', 's3', 's4', 's5'] }], at: at('2026-01-05T10:00:00Z'), count: 30 });
    input.schedule.settings.rotation = [{ playlistId: 'mix', weight: 1 }];
    const items = plan(input);
    expect(new Set(items.slice(0, 2).map((i) => i.assetId))).toEqual(new Set(['s4', 's5']));
    const sequence = [...history, ...items].map((i) => i.assetId);
    for (let i = 3; i < sequence.length; i++) expect(sequence.slice(i - 3, i)).not.toContain(sequence[i]);
  });

  it('when N is more than the playlist can avoid, the least recently played goes: maximal spacing', () => {
    const input = station({ playlists: [{ id: 'mix', playback: 'shuffle', noRepeat: 10, assets: ['s1', 's2', 's3'] }], at: at('2026-01-05T10:00:00Z'), count: 12 });
    input.schedule.settings.rotation = [{ playlistId: 'mix', weight: 1 }];
    const sequence = plan(input).map((i) => i.assetId);
    for (let i = 3; i < sequence.length; i++) expect(sequence[i]).toBe(sequence[i - 3]);
    expect(new Set(sequence.slice(0, 3)).size).toBe(3);
  });

  it('shuffles differ between occurrences but replay the same for the same occurrence', () => {
    const input = (day: string) =>
      station({
        playlists: [{ id: 'mix', playback: 'shuffle', noRepeat: 0, assets: ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'] }],
        blocks: [{ id: 'b', start: '10:00', minutes: 60, playlists: [{ playlistId: 'mix', weight: 1 }] }],
        at: at(`${day}T10:00:00Z`),
        count: 9
      });
    const orderOn = (day: string) => plan(input(day)).filter((i) => i.blockId === 'b' && i.kind === 'track').map((i) => i.assetId);
    expect(orderOn('2026-01-05')).toEqual(orderOn('2026-01-05'));
    const days = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08'].map((d) => orderOn(d).join());
    expect(new Set(days).size).toBeGreaterThan(1);
    for (const d of ['2026-01-05', '2026-01-06']) expect(new Set(orderOn(d))).toEqual(new Set(['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']));
  });

  it('a sequential playlist continues after its last item in the history', () => {
    const history = [{ kind: 'track' as const, assetId: 'r7', itemId: 'rot-r7-6', start: at('2026-01-05T09:53:00Z'), end: at('2026-01-05T09:58:00Z'), blockId: null, playlistId: 'rot' }];
    const items = plan(station({ history, at: at('2026-01-05T10:00:00Z'), count: 2 }));
    expect(items.map((i) => [i.assetId, i.start])).toEqual([
      ['r8', at('2026-01-05T09:58:00Z')],
      ['r9', at('2026-01-05T10:03:00Z')]
    ]);
    // Without the item id (an older record), the asset finds the place.
    const byAsset = plan(station({ history: [{ ...history[0], itemId: undefined }], at: at('2026-01-05T10:00:00Z'), count: 1 }));
    expect(byAsset[0].assetId).toBe('r8');
  });

  it('weights share the songs fairly and smoothly (3:1 → three of one, then one of the other, spread out)', () => {
    const assets = { ...BASE_ASSETS, ...songs('b', 10, 300) };
    const input = station({
      assets,
      playlists: [shows, { id: 'bees', assets: ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10'] }],
      blocks: [{ id: 'b', start: '10:00', minutes: 600, playlists: [{ playlistId: 'show', weight: 3 }, { playlistId: 'bees', weight: 1 }] }],
      at: at('2026-01-05T10:00:00Z'),
      count: 41
    });
    const picks = plan(input).filter((i) => i.kind === 'track').map((i) => i.playlistId);
    expect(picks.filter((p) => p === 'show').length).toBe(30);
    picks.forEach((_, i) => {
      const bees = picks.slice(0, i + 1).filter((p) => p === 'bees').length;
      expect(Math.abs(bees - (i + 1) / 4)).toBeLessThanOrEqual(1);
    });
    for (let i = 1; i < picks.length; i++) expect(picks[i] === 'bees' && picks[i - 1] === 'bees').toBe(false);
  });
});

describe('assets deleted or unapproved while planned', () => {
  it('an item whose asset disappears after planning is simply not in the next plan', () => {
    const history = [{ kind: 'track' as const, assetId: 'r10', start: at('2026-01-05T09:55:00Z'), end: at('2026-01-05T10:00:00Z'), blockId: null, playlistId: 'rot' }];
    const input = station({ history, at: at('2026-01-05T10:00:00Z'), count: 6 });
    const before = plan(input);
    expect(before.map((i) => i.assetId)).toContain('r3');
    const { r3: _, ...rest } = input.assets;
    const after = plan({ ...input, assets: rest });
    expect(after.map((i) => i.assetId)).not.toContain('r3');
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2)); // r1, r2 are unaffected
    const unapproved = plan({ ...input, assets: { ...input.assets, r3: song(300, { approved: false }) } });
    expect(unapproved.map((i) => i.assetId)).not.toContain('r3');
  });

  it('an on-air item pulled from the library is replaced from its start (as if never chosen)', () => {
    const history = [
      { kind: 'track' as const, assetId: 'r1', start: at('2026-01-05T09:55:00Z'), end: at('2026-01-05T10:00:00Z'), blockId: null, playlistId: 'rot' },
      { kind: 'track' as const, assetId: 'r2', start: at('2026-01-05T10:00:00Z'), end: at('2026-01-05T10:05:00Z'), blockId: null, playlistId: 'rot' }
    ];
    const input = station({ history, at: at('2026-01-05T10:02:00Z'), count: 2 });
    expect(plan(input)[0].assetId).toBe('r2');
    const { r2: _, ...rest } = input.assets;
    const pulled = { ...input, assets: rest };
    expect(plan(pulled)[0]).toMatchObject({ assetId: 'r3', start: at('2026-01-05T10:00:00Z') });
    expect(nowPlaying(pulled, at('2026-01-05T10:02:00Z'))).toMatchObject({ item: { assetId: 'r3' }, offset: 120 });
  });

  it('cue points shorten what plays and set where it starts', () => {
    const input = station({ assets: { ...BASE_ASSETS, r1: song(300, { cueIn: 1.5, cueOut: 290 }) }, at: at('2026-01-05T00:00:00Z'), count: 2 });
    const [first, second] = plan(input);
    expect([first.assetId, first.cueIn, first.end - first.start, second.start]).toEqual(['r1', 1.5, 288_500, at('2026-01-05T00:04:48.500Z')]);
  });
});

describe('DST in real zones', () => {
  const night = (zone: string, start: string, mode: 'hard' | 'soft' = 'hard'): BlockDef[] => [
    { id: 'night', start, minutes: 60, timezone: zone, startMode: mode, playlists: [{ playlistId: 'show', weight: 1 }] }
  ];

  it.each([
    ['Europe/Berlin', '02:30', '2026-03-29', '2026-03-29T01:00:00Z'], // skipped: starts at the jump (03:00 CEST)
    ['Europe/Berlin', '02:30', '2026-10-25', '2026-10-25T00:30:00Z'], // twice: the first (CEST)
    ['Europe/Berlin', '02:30', '2026-01-05', '2026-01-05T01:30:00Z'],
    ['America/New_York', '02:30', '2026-03-08', '2026-03-08T07:00:00Z'],
    ['America/New_York', '01:30', '2026-11-01', '2026-11-01T05:30:00Z']
  ])('a hard start at %s %s on %s begins on the second at %s', (zone, start, day, expected) => {
    const input = station({ timezone: zone, playlists: [shows], blocks: night(zone, start), at: at(expected) - 10 * MIN, count: 8 });
    const items = plan(input);
    expect(firstOf(items, 'night').start).toBe(at(expected));
    expect(items.find((i) => i.blockId === 'night')).toMatchObject({ kind: 'break', end: at(expected) });
    expect(items.filter((i) => i.blockId === 'night' && i.kind === 'track')[0].assetId).toBe('s1');
    expect(localDate(at(expected), zone)).toBe(day);
  });

  it('a block over the spring change lasts its real minutes; the rotation resumes at the first boundary after', () => {
    const blocks: BlockDef[] = [{ id: 'long', start: '01:00', minutes: 180, timezone: 'Europe/Berlin', playlists: [{ playlistId: 'show', weight: 1 }] }];
    const items = plan(station({ timezone: 'Europe/Berlin', playlists: [shows], blocks, at: at('2026-03-29T00:00:00Z'), count: 45 }));
    const inShow = items.filter((i) => i.blockId === 'long' && i.kind === 'track');
    // 01:00 CET = 00:00Z to 00:00Z + 180 min = 03:00Z (05:00 CEST): the last show item starts before 03:00Z.
    expect(inShow.at(-1)!.start).toBeLessThan(at('2026-03-29T03:00:00Z'));
    expect(inShow.at(-1)!.end).toBeGreaterThanOrEqual(at('2026-03-29T03:00:00Z'));
    const back = items.find((i) => i.start >= at('2026-03-29T03:00:00Z') && i.blockId === null)!;
    expect(back).toMatchObject({ kind: 'break', start: inShow.at(-1)!.end });
  });

  it('a soft start in the repeated hour waits for the first boundary after its first occurrence', () => {
    const items = plan(station({ timezone: 'America/New_York', playlists: [shows], blocks: night('America/New_York', '01:32', 'soft'), at: at('2026-11-01T05:20:00Z'), count: 6 }));
    // Rotation boundaries from local midnight (04:00Z) every 5 minutes: 05:35Z is the first after 01:32 EDT.
    expect(items.find((i) => i.blockId === 'night')).toMatchObject({ kind: 'break', start: at('2026-11-01T05:35:00Z') });
  });
});

describe('song requests', () => {
  const base = (requests: PlayoutInput['requests'], extra: StationParts = {}) => station({ requests, at: at('2026-01-05T10:00:00Z'), count: 12, ...extra });

  it('a request plays at the next boundary after it was made, once', () => {
    const items = plan(base([{ id: 'q1', assetId: 's5', requestedAt: at('2026-01-05T10:02:00Z') }]));
    const played = items.filter((i) => i.requestId === 'q1');
    expect(played).toHaveLength(1);
    expect(played[0]).toMatchObject({ kind: 'track', assetId: 's5', playlistId: null, start: at('2026-01-05T10:05:00Z'), reason: 'request' });
  });

  it('the same asset requested twice waits the minimum repeat gap; a request in the history is done', () => {
    const requests = [
      { id: 'q1', assetId: 's5', requestedAt: at('2026-01-05T10:02:00Z') },
      { id: 'q2', assetId: 's5', requestedAt: at('2026-01-05T10:03:00Z') }
    ];
    const items = plan(base(requests, { count: 14, options: { requestRepeatGapSeconds: 20 * 60 } }));
    const starts = items.filter((i) => i.requestId).map((i) => [i.requestId, i.start]);
    expect(starts).toEqual([
      ['q1', at('2026-01-05T10:05:00Z')],
      ['q2', at('2026-01-05T10:25:00Z')]
    ]);
    const history = [{ kind: 'track' as const, assetId: 's5', requestId: 'q1', start: at('2026-01-05T09:50:00Z'), end: at('2026-01-05T09:55:00Z'), blockId: null, playlistId: null }];
    const after = plan(base([requests[0]], { history }));
    expect(after.some((i) => i.requestId === 'q1')).toBe(false);
  });

  it('a hard start begins with the show’s own item; the request follows at the next boundary', () => {
    const input = station({
      requests: [{ id: 'q1', assetId: 's9', requestedAt: at('2026-01-05T10:04:00Z') }],
      playlists: [shows],
      blocks: [{ id: 'news', start: '10:05', minutes: 30, startMode: 'hard', playlists: [{ playlistId: 'show', weight: 1 }] }],
      at: at('2026-01-05T10:00:00Z'),
      count: 6
    });
    const items = plan(input);
    expect(firstOf(items, 'news')).toMatchObject({ start: at('2026-01-05T10:05:00Z'), assetId: 's1', requestId: null });
    expect(items.find((i) => i.requestId === 'q1')).toMatchObject({ start: at('2026-01-05T10:10:00Z'), blockId: 'news' });
  });

  it('a request for an asset that cannot go on air is not planned', () => {
    const items = plan(base([{ id: 'q1', assetId: 'gone', requestedAt: at('2026-01-05T10:00:00Z') }]));
    expect(items.some((i) => i.requestId)).toBe(false);
  });
});

describe('resume after a crash: nowPlaying and a time-based plan', () => {
  const input = () =>
    station({
      channel: { ...CHANNEL, crossfadeSeconds: 3 },
      playlists: [shows, { id: 'mix', playback: 'shuffle', noRepeat: 4, assets: ['s1', 's2', 's3', 's4', 's5', 's6'] }],
      blocks: [{ id: 'b', start: '10:20', minutes: 45, startMode: 'hard', playlists: [{ playlistId: 'mix', weight: 2 }, { playlistId: 'show', weight: 1 }] }],
      at: at('2026-01-05T10:00:00Z'),
      count: 25
    });

  it('a worker restarted with the history it wrote is back at the right item and offset', () => {
    const original = plan(input());
    for (const crash of [at('2026-01-05T10:07:30Z'), at('2026-01-05T10:19:58Z'), at('2026-01-05T10:33:10Z'), at('2026-01-05T11:01:00Z')]) {
      const restart = crash + 4 * SEC;
      const expected = nowPlaying(original, restart);
      // It wrote every item that started before the crash; or it died before writing the one just started.
      for (const written of [original.filter((i) => i.start <= crash), original.filter((i) => i.start < crash - 60 * SEC)]) {
        const resumed = nowPlaying({ ...input(), history: written }, restart);
        expect(resumed).toEqual(expected);
        expect(resumed!.offset).toBeGreaterThan(0);
      }
    }
  });

  it('during a crossfade the incoming item is what should be on air', () => {
    const items = plan(input());
    const i = items.findIndex((it, k) => k > 0 && it.start < items[k - 1].end);
    const mid = items[i].start + 1000;
    expect(nowPlaying(items, mid)).toEqual({ item: items[i], offset: 1, position: 1 });
  });

  it('plans asked at different times agree on every item they share', () => {
    const early = plan(input());
    const later = plan({ ...input(), at: at('2026-01-05T10:40:00Z') });
    const shared = later.filter((i) => i.start <= early.at(-1)!.start);
    expect(shared.length).toBeGreaterThan(5);
    for (const item of shared) expect(early).toContainEqual(item);
  });

  it('deterministic: the same inputs give the same plan, whatever order the history comes in', () => {
    const history = plan({ ...input(), at: at('2026-01-05T09:00:00Z'), count: 10 });
    const a = planPlayout({ ...input(), history });
    const b = planPlayout({ ...input(), history: [...history].reverse() });
    expect(b).toEqual(a);
    expect(planPlayout(structuredClone({ ...input(), history }))).toEqual(a);
  });
});
