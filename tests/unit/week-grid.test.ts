import { describe, expect, it } from 'vitest';
import { dayLanes, instantToSlot, mondayOf, occurrenceSegments, pixelsToMinutes, pointToSlot, slotToInstant, slotToPoint, wallClock, weekDates, weekRange, type WeekGeometry } from '$lib/station/week-grid';

// The week calendar's mapping between the screen, wall times in the station's zone and real instants, DST weeks included.
const g: WeekGeometry = { left: 100, top: 50, dayWidth: 140, pxPerMinute: 0.5 };
const HOUR = 3_600_000;

describe('pixels and slots', () => {
  it('maps a point to a day and a wall minute snapped to 15 minutes, and back', () => {
    expect(pointToSlot(100 + 140 * 2 + 10, 50 + 600 * 0.5 + 3, g)).toEqual({ day: 2, minute: 600 });
    expect(pointToSlot(100 + 140 * 2 + 10, 50 + 607.6 * 0.5, g)).toEqual({ day: 2, minute: 615 });
    expect(slotToPoint({ day: 2, minute: 600 }, g)).toEqual({ x: 380, y: 350 });
    for (let day = 0; day < 7; day++) {
      for (let minute = 0; minute <= 1440; minute += 15) {
        const p = slotToPoint({ day, minute }, g);
        expect(pointToSlot(p.x + 1, p.y, g)).toEqual({ day, minute });
      }
    }
  });

  it('keeps points off the grid on the week', () => {
    expect(pointToSlot(0, 0, g)).toEqual({ day: 0, minute: 0 });
    expect(pointToSlot(5000, 5000, g)).toEqual({ day: 6, minute: 1440 });
  });

  it('turns a vertical drag into whole snapped minutes either way', () => {
    expect(pixelsToMinutes(60, g)).toBe(120);
    expect(pixelsToMinutes(-33, g)).toBe(-60);
    expect(pixelsToMinutes(3, g)).toBe(0);
  });

  it('writes wall clocks, 24:00 for the end of a day', () => {
    expect(wallClock(0)).toBe('00:00');
    expect(wallClock(615)).toBe('10:15');
    expect(wallClock(1440)).toBe('24:00');
  });
});

describe('weeks in a zone', () => {
  it('finds the Monday of the local week, which may differ from UTC’s', () => {
    // Sunday 23:30 UTC is already Monday in Berlin.
    const t = Date.UTC(2026, 2, 29, 23, 30);
    expect(mondayOf(t, 'UTC')).toBe('2026-03-23');
    expect(mondayOf(t, 'Europe/Berlin')).toBe('2026-03-30');
    expect(weekDates('2026-03-23')).toEqual(['2026-03-23', '2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29']);
  });

  it('lasts 167 real hours in a spring-forward week and 169 in a fall-back week', () => {
    const spring = weekRange('2026-03-23', 'Europe/Berlin');
    expect((spring.to - spring.from) / HOUR).toBe(167);
    const fall = weekRange('2026-10-19', 'Europe/Berlin');
    expect((fall.to - fall.from) / HOUR).toBe(169);
    const plain = weekRange('2026-06-01', 'Europe/Berlin');
    expect((plain.to - plain.from) / HOUR).toBe(168);
  });

  it('maps slots to instants and back across the spring-forward Sunday', () => {
    const monday = '2026-03-23';
    // 01:00 CET = 00:00Z, 03:00 CEST = 01:00Z: one real hour apart, two drawn hours.
    expect(slotToInstant({ day: 6, minute: 60 }, monday, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 0));
    expect(slotToInstant({ day: 6, minute: 180 }, monday, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1));
    // 02:30 does not exist that day: it starts when the clocks jump.
    expect(slotToInstant({ day: 6, minute: 150 }, monday, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1));
    expect(instantToSlot(Date.UTC(2026, 2, 29, 1), monday, 'Europe/Berlin')).toEqual({ day: 6, minute: 180 });
    expect(instantToSlot(Date.UTC(2026, 2, 23, 9), monday, 'Europe/Berlin')).toEqual({ day: 0, minute: 600 });
    // A slot at 24:00 is the next day's midnight.
    expect(slotToInstant({ day: 0, minute: 1440 }, monday, 'Europe/Berlin')).toBe(slotToInstant({ day: 1, minute: 0 }, monday, 'Europe/Berlin'));
  });

  it('round-trips every quarter hour of a fall-back week (the repeated hour drawn once)', () => {
    const monday = '2026-10-19';
    for (let day = 0; day < 7; day++) {
      for (let minute = 0; minute < 1440; minute += 15) {
        expect(instantToSlot(slotToInstant({ day, minute }, monday, 'Europe/Berlin'), monday, 'Europe/Berlin')).toEqual({ day, minute });
      }
    }
  });
});

describe('occurrences drawn on the week', () => {
  it('draws a show over the spring-forward gap from its wall start to its wall end', () => {
    const monday = '2026-03-23';
    const start = slotToInstant({ day: 6, minute: 60 }, monday, 'Europe/Berlin');
    // Two real hours from 01:00 CET end at 04:00 CEST.
    expect(occurrenceSegments(start, start + 2 * HOUR, monday, 'Europe/Berlin')).toEqual([{ day: 6, from: 60, to: 240, first: true, last: true }]);
  });

  it('cuts a show over midnight into two days, and one ending at midnight draws to 24:00', () => {
    const monday = '2026-06-01';
    const start = slotToInstant({ day: 1, minute: 22 * 60 }, monday, 'UTC');
    expect(occurrenceSegments(start, start + 3 * HOUR, monday, 'UTC')).toEqual([
      { day: 1, from: 1320, to: 1440, first: true, last: false },
      { day: 2, from: 0, to: 60, first: false, last: true }
    ]);
    expect(occurrenceSegments(start, start + 2 * HOUR, monday, 'UTC')).toEqual([{ day: 1, from: 1320, to: 1440, first: true, last: true }]);
  });

  it('leaves out the pieces off the week', () => {
    const monday = '2026-06-01';
    const start = slotToInstant({ day: 6, minute: 23 * 60 }, monday, 'UTC');
    expect(occurrenceSegments(start, start + 2 * HOUR, monday, 'UTC')).toEqual([{ day: 6, from: 1380, to: 1440, first: true, last: false }]);
    const before = slotToInstant({ day: -1, minute: 23 * 60 }, monday, 'UTC');
    expect(occurrenceSegments(before, before + 2 * HOUR, monday, 'UTC')).toEqual([{ day: 0, from: 0, to: 60, first: false, last: true }]);
  });
});

describe('side-by-side lanes for clashing shows', () => {
  it('puts overlapping pieces of a day in their own lanes and leaves the others whole', () => {
    const pieces = [
      { day: 0, from: 720, to: 840 },
      { day: 0, from: 780, to: 900 },
      { day: 0, from: 960, to: 1020 },
      { day: 1, from: 780, to: 900 },
      { day: 0, from: 800, to: 820 }
    ];
    expect(dayLanes(pieces)).toEqual([
      { lane: 0, lanes: 3 },
      { lane: 1, lanes: 3 },
      { lane: 0, lanes: 1 },
      { lane: 0, lanes: 1 },
      { lane: 2, lanes: 3 }
    ]);
  });

  it('reuses a lane once its piece has ended', () => {
    expect(dayLanes([{ day: 2, from: 0, to: 60 }, { day: 2, from: 30, to: 90 }, { day: 2, from: 60, to: 120 }])).toEqual([
      { lane: 0, lanes: 2 },
      { lane: 1, lanes: 2 },
      { lane: 0, lanes: 2 }
    ]);
  });
});
