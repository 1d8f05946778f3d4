import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StationAsset } from '$lib/editor/model/playlist/snapshot';
import { Occurrences } from '$lib/editor/model/schedule/occurrences';
import { nowPlaying, planPlayout, validatePlan, type PlannedItem, type PlayoutInput, type PlayRecord } from '$lib/editor/model/schedule/playout-plan';
import type { PlaylistWeight } from '$lib/editor/model/schedule/snapshot';
import { startOfLocalDay, zoneOffset } from '$lib/editor/model/schedule/wall-time';
import { at, describe as lines, playlistsOf, scheduleOf, type BlockDef, type PlaylistDef } from '../helpers/station';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
/** Around both DST changes in Europe and North America, and an ordinary week. */
const BASES = ['2026-03-28T20:00:00Z', '2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-03-08T05:00:00Z', '2026-11-01T04:00:00Z', '2026-01-05T08:00:00Z'].map(at);
const SONGS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const JINGLES = ['j1', 'j2', 'j3'];
const PLAYLISTS = ['p1', 'p2', 'p3', 'p4'];
const JINGLE_LISTS = ['ids', 'tops'];

const asset = (min: number, max: number): fc.Arbitrary<StationAsset | null> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ duration: fc.double({ min, max, noNaN: true }), approved: fc.constant(true), cueIn: fc.constantFrom(undefined, 0.5) }) },
    { weight: 1, arbitrary: fc.record({ duration: fc.double({ min, max, noNaN: true }), approved: fc.constant(false) }) },
    { weight: 1, arbitrary: fc.constant(null) } // deleted from the library
  ) as fc.Arbitrary<StationAsset | null>;

const weights = (ids: string[]): fc.Arbitrary<PlaylistWeight[]> =>
  fc.subarray(ids).chain((chosen) => fc.tuple(...chosen.map((playlistId) => fc.integer({ min: 1, max: 5 }).map((weight) => ({ playlistId, weight }))))).map((w) => [...w]);

const playlistDef = (id: string): fc.Arbitrary<PlaylistDef> =>
  fc.record({
    id: fc.constant(id),
    kind: fc.constantFrom('standard' as const, 'generated' as const),
    playback: fc.constantFrom('sequential' as const, 'shuffle' as const),
    noRepeat: fc.integer({ min: 0, max: 6 }),
    prompt: fc.constantFrom(null, 'calm', 'loud'),
    assets: fc.subarray(SONGS)
  });

const jingleDef = (id: string): fc.Arbitrary<PlaylistDef> =>
  fc.record({
    id: fc.constant(id),
    kind: fc.constant('jingle' as const),
    playback: fc.constantFrom('sequential' as const, 'shuffle' as const),
    noRepeat: fc.integer({ min: 0, max: 2 }),
    jingle: fc.oneof(fc.record({ every: fc.constant('songs' as const), songs: fc.integer({ min: 1, max: 4 }) }), fc.record({ every: fc.constant('hour' as const), minute: fc.integer({ min: 0, max: 59 }) })),
    assets: fc.subarray(JINGLES, { minLength: 1 })
  });

const blockDef = (id: string): fc.Arbitrary<BlockDef> =>
  fc.record({
    id: fc.constant(id),
    start: fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`),
    minutes: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.constantFrom(1440, 720)),
    weekdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
    timezone: fc.constantFrom(...ZONES),
    startMode: fc.constantFrom('hard' as const, 'soft' as const),
    priority: fc.integer({ min: -2, max: 2 }),
    prompt: fc.constantFrom(null, null, 'night'),
    playlists: weights([...PLAYLISTS, ...JINGLE_LISTS])
  });

interface Scenario {
  input: PlayoutInput;
  /** Whether the history reaches close to `at` (the plan continues it) or the plan starts from the local day. */
  continued: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    songs: fc.tuple(...SONGS.map(() => asset(20, 500))),
    jingles: fc.tuple(...JINGLES.map(() => asset(2, 25))),
    playlists: fc.tuple(...PLAYLISTS.map(playlistDef)),
    jingleLists: fc.tuple(...JINGLE_LISTS.map(jingleDef)),
    blocks: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }).chain((ids) => fc.tuple(...ids.map((_, i) => blockDef(`b${i}`)))),
    // Most blocks start within the planned hours (minutes after `at` in their zone), so hard and soft starts are met.
    near: fc.array(fc.integer({ min: -30, max: 180 }).map((m) => m as number | null), { minLength: 4, maxLength: 4 }).map((a) => a.map((m, i) => (i === 3 ? null : m))),
    rotation: weights([...PLAYLISTS, ...JINGLE_LISTS]),
    timezone: fc.constantFrom(...ZONES),
    breakSeconds: fc.constantFrom(0, 3, 5.5),
    hardStartFadeSeconds: fc.constantFrom(0, 2, 10),
    crossfade: fc.constantFrom(0, 0, 2, 5, 12.5),
    fallback: fc.constantFrom(null, 'p1', 'ids', 'missing'),
    base: fc.constantFrom(...BASES),
    offset: fc.integer({ min: 0, max: 30 * 3600 }),
    history: fc.constantFrom('none', 'recent', 'recent', 'old', 'pulled', 'edited'),
    historyCut: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * 3600 })),
    requests: fc.array(fc.record({ asset: fc.constantFrom(...SONGS), minutesBefore: fc.integer({ min: -120, max: 60 }) }), { maxLength: 3 })
  })
  .map((g) => {
    const assets: Record<string, StationAsset> = {};
    [...SONGS, ...JINGLES].forEach((id, i) => {
      const a = [...g.songs, ...g.jingles][i];
      if (a) assets[id] = a;
    });
    const time = g.base + g.offset * 1000;
    const blocks = g.blocks.map((b, i) => {
      const delta = g.near[i];
      if (delta === null) return b;
      const minute = Math.floor((((time + zoneOffset(time, b.timezone!) * 60_000) % 86_400_000) + 86_400_000) % 86_400_000 / 60_000) + delta;
      const m = ((minute % 1440) + 1440) % 1440;
      return { ...b, start: `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`, weekdays: [1, 2, 3, 4, 5, 6, 7] };
    });
    const input: PlayoutInput = {
      playlists: playlistsOf([...g.playlists, ...g.jingleLists]),
      schedule: scheduleOf(blocks, { timezone: g.timezone, rotation: g.rotation, breakSeconds: g.breakSeconds, hardStartFadeSeconds: g.hardStartFadeSeconds }),
      assets,
      channel: { id: 'ch', crossfadeSeconds: g.crossfade, fallbackPlaylistId: g.fallback },
      requests: g.requests.map((r, i) => ({ id: `q${i}`, assetId: r.asset, requestedAt: time - r.minutesBefore * 60_000 })),
      at: time,
      count: 25
    };
    let history: PlayRecord[] = [];
    if (g.history !== 'none') {
      // What a worker wrote while airing an earlier plan, up to some moment before now.
      const from = g.history === 'old' ? time - 30 * 3600_000 : time - g.historyCut * 1000 - 3600_000;
      // 'edited': aired before the current shows were scheduled, so a new hard start may fall inside the item on air.
      const before = g.history === 'edited' ? { ...input, schedule: { ...input.schedule, blocks: [] } } : input;
      const aired = planPlayout({ ...before, at: from, count: 40 }).filter((i) => i.start <= from + 3600_000 && i.start <= time);
      history = aired;
      if (g.history === 'pulled' && aired.length) {
        const gone = aired.at(-1)!.assetId;
        if (gone) delete assets[gone];
      }
    }
    const continued = history.length > 0 && g.history !== 'old';
    return { input: { ...input, history }, continued };
  });

/** Every check the plan must pass whatever the station looks like. */
function sound({ input, continued }: Scenario): void {
  const plan = planPlayout(input);
  const show = () => lines(plan).join('\n');
  expect(validatePlan(plan, input), show()).toEqual([]);
  expect(plan).toHaveLength(input.count);
  expect(plan[0].start).toBeLessThanOrEqual(input.at);
  expect(plan[0].end).toBeGreaterThan(input.at);
  for (let i = 1; i < plan.length; i++) expect(plan[i].end, show()).toBeGreaterThan(plan[i - 1].end);

  // Deterministic: a fresh copy of the inputs (another machine) gives the same plan.
  expect(planPlayout(structuredClone(input))).toEqual(plan);

  // Every hard start in the plan's span begins its show on the second.
  const occ = new Occurrences(input.schedule.blocks);
  for (const o of occ.starting(plan[0].end + 1, plan.at(-1)!.start)) {
    if (o.block.startMode !== 'hard' || occ.winnerAt(o.start) !== o) continue;
    expect(plan.some((i) => i.start === o.start && i.blockId === o.block.id && i.kind !== 'break'), `hard start of ${o.block.id} at ${new Date(o.start).toISOString()}\n${show()}`).toBe(true);
  }

  // nowPlaying agrees with the plan, asked of the plan or of the inputs at that time (as a restarted worker does).
  const zone = input.schedule.settings.timezone;
  const probes = plan.flatMap((item) => [item.start, Math.floor((item.start + item.end) / 2), item.end - 1]).filter((t) => t >= input.at && t < plan.at(-1)!.start);
  for (const t of probes.filter((_, i) => i % 3 === 0)) {
    const fromPlan = nowPlaying(plan, t);
    expect(fromPlan, `a gap at ${new Date(t).toISOString()}`).not.toBeNull();
    expect(fromPlan!.item.start <= t && t < fromPlan!.item.end).toBe(true);
    // Without a recent history the plan starts from the local day: only the same day gives the same anchor.
    if (!continued && startOfLocalDay(t, zone) !== startOfLocalDay(input.at, zone)) continue;
    expect(nowPlaying(input, t), `at ${new Date(t).toISOString()}\n${show()}`).toEqual(fromPlan);
  }
}

function assetsOnAir(plan: PlannedItem[]): string[] {
  return plan.filter((i) => i.assetId).map((i) => i.assetId!);
}

describe('playout plan properties (fast-check)', () => {
  it.each([1, 7, 42, 1337, 2024, 31337])('random stations, schedules and histories, seed %i', (seed) => {
    fc.assert(fc.property(scenario, sound), { seed, numRuns: 15 });
  });

  it('fast-check’s own runs', () => {
    fc.assert(fc.property(scenario, sound), { numRuns: 60 });
  });

  it('only approved assets that exist ever go on air', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        for (const id of assetsOnAir(planPlayout(input))) expect(input.assets[id]?.approved).toBe(true);
      }),
      { seed: 5, numRuns: 60 }
    );
  });
});
