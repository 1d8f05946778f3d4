import { describe, expect, it } from 'vitest';
import { dueIntros, introItemKey, type DjPlanItem } from '$lib/dj';

// Which planned items the DJ speaks before: the policy as a pure function of the plan.
const T = Date.UTC(2026, 10, 22, 9, 40);
const MIN = 60_000;
/** Back-to-back 4-minute tracks from T + `from` minutes; `show` per item (a block change starts a show). */
const plan = (n: number, from = 1, show = (_i: number) => 'Rotation'): DjPlanItem[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'track', assetId: `asset${i}`, start: T + (from + 4 * i) * MIN, end: T + (from + 4 * (i + 1)) * MIN, blockId: show(i) === 'Rotation' ? null : show(i), show: show(i), title: `Song ${i}`, artist: `Artist ${i}` }));
const opts = { now: T, timezone: 'UTC', existing: new Set<string>(), tracksSinceIntro: null };
const titles = (due: { item: DjPlanItem }[]) => due.map((d) => d.item.title);

describe('which items the DJ introduces', () => {
  it('every: each track, with what played before and what comes next', () => {
    const items = plan(4);
    const due = dueIntros(items, { policy: 'every', everyN: 3, stationIdHourly: false }, opts);
    expect(titles(due)).toEqual(['Song 0', 'Song 1', 'Song 2', 'Song 3']);
    expect(due[1]).toMatchObject({ kind: 'intro', previous: { title: 'Song 0', artist: 'Artist 0' }, next: { title: 'Song 2' } });
    expect(due[0].previous).toBeNull();
    expect(due[3].next).toBeNull();
  });

  it('every N: every third track, counting the tracks aired since the last intro', () => {
    const items = plan(7);
    const policy = { policy: 'every-n' as const, everyN: 3, stationIdHourly: false };
    expect(titles(dueIntros(items, policy, opts))).toEqual(['Song 0', 'Song 3', 'Song 6']);
    // One track aired since the last intro: one more, then an intro.
    expect(titles(dueIntros(items, policy, { ...opts, tracksSinceIntro: 1 }))).toEqual(['Song 1', 'Song 4']);
    // An intro already written counts as one (and is not queued again).
    const existing = new Set([introItemKey(items[1])]);
    expect(titles(dueIntros(items, policy, { ...opts, existing }))).toEqual(['Song 0', 'Song 4']);
  });

  it('show start: the first track of each show', () => {
    const items = plan(5, 1, (i) => (i < 2 ? 'Morning' : 'Lunch'));
    // The first item has nothing before it to compare: it is on air or the caller passes the one on air first.
    expect(titles(dueIntros(items, { policy: 'show-start', everyN: 3, stationIdHourly: false }, opts))).toEqual(['Song 2']);
  });

  it("station IDs on the first track of each hour in the station's zone", () => {
    // From 09:41 UTC: tracks at 09:41, 09:45 … 10:01 (the first after 10:00 UTC).
    const items = plan(6);
    const due = dueIntros(items, { policy: 'show-start', everyN: 3, stationIdHourly: true }, opts);
    expect(due.map((d) => [d.item.title, d.kind])).toEqual([['Song 5', 'station-id']]);
    // In Kolkata (UTC+05:30) the same tracks are at 15:11 … 15:31: no new hour.
    const kolkata = dueIntros(items, { policy: 'show-start', everyN: 3, stationIdHourly: true }, { ...opts, timezone: 'Asia/Kolkata' });
    expect(kolkata).toEqual([]);
  });

  it('leaves out what is on air or too close to voice, short items, jingles and items that have an intro', () => {
    const items = [...plan(3, 1), { kind: 'jingle', assetId: 'j', start: T + 13 * MIN, end: T + 13 * MIN + 10_000, blockId: null, show: 'Rotation', title: 'ID', artist: '' }];
    items.push({ ...items[0], assetId: 'short', start: T + 14 * MIN, end: T + 14 * MIN + 3000, title: 'Short' });
    const soon = { ...opts, now: items[0].start - 1000 };
    expect(titles(dueIntros(items, { policy: 'every', everyN: 1, stationIdHourly: false }, { ...soon, existing: new Set([introItemKey(items[2])]) }))).toEqual(['Song 1']);
  });
});
