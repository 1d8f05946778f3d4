import { describe, expect, it } from 'vitest';
import { newBlock } from '$lib/editor/model/schedule/block';
import { Occurrences } from '$lib/editor/model/schedule/occurrences';
import {
  addDays,
  isoWeekday,
  isValidDate,
  isValidTimeZone,
  lastMinuteOfHour,
  localDate,
  startOfLocalDay,
  wallTimeToInstant
} from '$lib/editor/model/schedule/wall-time';
import { at, MIN } from '../helpers/station';

describe('wall time → instant (the schedule’s DST rules)', () => {
  it('an ordinary wall time is read in the offset in force', () => {
    expect(wallTimeToInstant('2026-01-05', 9 * 60, 'Europe/Berlin')).toBe(at('2026-01-05T08:00:00Z'));
    expect(wallTimeToInstant('2026-07-06', 9 * 60, 'Europe/Berlin')).toBe(at('2026-07-06T07:00:00Z'));
    expect(wallTimeToInstant('2026-07-06', 9 * 60, 'America/New_York')).toBe(at('2026-07-06T13:00:00Z'));
    expect(wallTimeToInstant('2026-07-06', 9 * 60 + 30, 'Asia/Kolkata')).toBe(at('2026-07-06T04:00:00Z'));
  });

  it('spring forward: a wall time the clocks skip starts at the first valid instant after it (the jump)', () => {
    // Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z; 02:00, 02:30 and 02:59 do not exist.
    for (const minute of [120, 150, 179]) expect(wallTimeToInstant('2026-03-29', minute, 'Europe/Berlin')).toBe(at('2026-03-29T01:00:00Z'));
    expect(wallTimeToInstant('2026-03-29', 180, 'Europe/Berlin')).toBe(at('2026-03-29T01:00:00Z')); // 03:00 CEST is that instant
    expect(wallTimeToInstant('2026-03-29', 119, 'Europe/Berlin')).toBe(at('2026-03-29T00:59:00Z'));
    // New York 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z.
    expect(wallTimeToInstant('2026-03-08', 150, 'America/New_York')).toBe(at('2026-03-08T07:00:00Z'));
  });

  it('fall back: a wall time the clocks show twice starts at its first occurrence', () => {
    // Berlin 2026-10-25: 03:00 CEST goes back to 02:00 CET at 01:00Z; 02:30 happens at 00:30Z and 01:30Z.
    expect(wallTimeToInstant('2026-10-25', 150, 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
    expect(wallTimeToInstant('2026-10-25', 180, 'Europe/Berlin')).toBe(at('2026-10-25T02:00:00Z'));
    // New York 2026-11-01: 02:00 EDT goes back to 01:00 EST at 06:00Z; 01:30 happens at 05:30Z and 06:30Z.
    expect(wallTimeToInstant('2026-11-01', 90, 'America/New_York')).toBe(at('2026-11-01T05:30:00Z'));
  });

  it('a day is 23 or 25 hours long across the change, and midnight starts it', () => {
    const day = (d: string, z: string) => wallTimeToInstant(addDays(d, 1), 0, z) - wallTimeToInstant(d, 0, z);
    expect(day('2026-03-29', 'Europe/Berlin')).toBe(23 * 60 * MIN);
    expect(day('2026-10-25', 'Europe/Berlin')).toBe(25 * 60 * MIN);
    expect(day('2026-11-01', 'America/New_York')).toBe(25 * 60 * MIN);
    expect(startOfLocalDay(at('2026-10-25T23:30:00Z'), 'Europe/Berlin')).toBe(at('2026-10-25T23:00:00Z'));
    expect(startOfLocalDay(at('2026-10-25T22:30:00Z'), 'Europe/Berlin')).toBe(at('2026-10-24T22:00:00Z'));
  });

  it('calendar helpers: local date, ISO weekday, day arithmetic, validity', () => {
    expect(localDate(at('2026-03-28T23:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29');
    expect(localDate(at('2026-03-29T03:30:00Z'), 'America/New_York')).toBe('2026-03-28');
    expect([isoWeekday('2026-01-05'), isoWeekday('2026-03-29'), isoWeekday('2028-02-29')]).toEqual([1, 7, 2]);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect([isValidDate('2026-02-29'), isValidDate('2028-02-29'), isValidDate('2026-13-01'), isValidDate('26-01-01')]).toEqual([false, true, false, false]);
    expect([isValidTimeZone('Europe/Berlin'), isValidTimeZone('UTC'), isValidTimeZone('Mars/Olympus'), isValidTimeZone('')]).toEqual([true, true, false, false]);
  });

  it('the last :MM of an hour, also in a half-hour zone and across both DST changes', () => {
    expect(lastMinuteOfHour(at('2026-01-05T10:20:00Z'), 15, 'UTC')).toBe(at('2026-01-05T10:15:00Z'));
    expect(lastMinuteOfHour(at('2026-01-05T10:10:00Z'), 15, 'UTC')).toBe(at('2026-01-05T09:15:00Z'));
    expect(lastMinuteOfHour(at('2026-01-05T10:15:00Z'), 15, 'UTC')).toBe(at('2026-01-05T10:15:00Z'));
    // Kolkata is UTC+5:30: its :00 is UTC's :30.
    expect(lastMinuteOfHour(at('2026-01-05T10:40:00Z'), 0, 'Asia/Kolkata')).toBe(at('2026-01-05T10:30:00Z'));
    // Berlin fall back: the clock shows 02:15 twice, an hour apart.
    expect(lastMinuteOfHour(at('2026-10-25T00:20:00Z'), 15, 'Europe/Berlin')).toBe(at('2026-10-25T00:15:00Z'));
    expect(lastMinuteOfHour(at('2026-10-25T01:20:00Z'), 15, 'Europe/Berlin')).toBe(at('2026-10-25T01:15:00Z'));
    // Berlin spring forward: at 03:10 CEST the last :15 was 01:15 CET (00:15Z), 55 real minutes earlier.
    expect(lastMinuteOfHour(at('2026-03-29T01:10:00Z'), 15, 'Europe/Berlin')).toBe(at('2026-03-29T00:15:00Z'));
  });
});

describe('block occurrences over DST changes', () => {
  const berlin = (startMinute: number, durationMinutes: number, extra = {}) =>
    newBlock({ id: 'night', name: 'Night', startMinute, durationMinutes, timezone: 'Europe/Berlin', ...extra });

  it('a block at 02:30 starts at the jump on the spring day, at the first 02:30 on the autumn day, and lasts real minutes', () => {
    const occ = new Occurrences([berlin(150, 60)]);
    const spring = occ.on(occ.blocks[0], '2026-03-29')!;
    expect([spring.start, spring.end]).toEqual([at('2026-03-29T01:00:00Z'), at('2026-03-29T02:00:00Z')]);
    const autumn = occ.on(occ.blocks[0], '2026-10-25')!;
    expect([autumn.start, autumn.end]).toEqual([at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z')]);
    // A normal day for comparison: 02:30 CET.
    expect(occ.on(occ.blocks[0], '2026-01-05')!.start).toBe(at('2026-01-05T01:30:00Z'));
  });

  it('a block over the change lasts its real minutes: 01:00 + 180 min ends at 05:00 wall in spring, 03:00 wall in autumn', () => {
    const occ = new Occurrences([berlin(60, 180)]);
    const spring = occ.on(occ.blocks[0], '2026-03-29')!;
    expect(localDate(spring.end, 'Europe/Berlin')).toBe('2026-03-29');
    expect(spring.end).toBe(wallTimeToInstant('2026-03-29', 5 * 60, 'Europe/Berlin'));
    const autumn = occ.on(occ.blocks[0], '2026-10-25')!;
    expect(autumn.end).toBe(wallTimeToInstant('2026-10-25', 3 * 60, 'Europe/Berlin'));
  });

  it('weekdays are read in the block’s own zone: Sunday 23:30 in New York is Monday in UTC', () => {
    const block = newBlock({ id: 'late', name: 'Late', startMinute: 23 * 60 + 30, durationMinutes: 30, timezone: 'America/New_York', weekdays: [7] });
    const occ = new Occurrences([block]);
    expect(occ.winnerAt(at('2026-01-05T04:45:00Z'))?.date).toBe('2026-01-04');
    expect(occ.winnerAt(at('2026-01-06T04:45:00Z'))).toBeNull();
  });
});
