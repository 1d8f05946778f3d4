/**
 * Wall-clock time in IANA zones, and the schedule's DST rules. Instants are milliseconds since the epoch; dates are
 * ISO calendar dates (YYYY-MM-DD); a wall time is a date and a minute of that day in one zone.
 * Luxon (over Intl) provides the zone offsets, so results are the same on every machine with the same tz database.
 */
import { IANAZone } from 'luxon';

const MINUTE = 60_000;
const DAY = 86_400_000;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

const zones = new Map<string, IANAZone | null>();

/** The zone, or null for an unknown name; remembered, since checking a name builds an Intl formatter (slow). */
function knownZone(name: string): IANAZone | null {
  let z = zones.get(name);
  if (z === undefined) {
    if (zones.size > 1000) zones.clear(); // names come from documents: a hostile peer must not grow this forever
    zones.set(name, (z = IANAZone.isValidZone(name) ? IANAZone.create(name) : null));
  }
  return z;
}

function zone(name: string): IANAZone {
  const z = knownZone(name);
  if (!z) throw new Error(`Unknown time zone ${name}.`);
  return z;
}

export function isValidTimeZone(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= 64 && knownZone(name) !== null;
}

const HOUR = 3_600_000;
/** Per zone, per UTC hour: the offset when it holds all hour, null when a transition falls inside (then asked exactly). */
const hourOffsets = new Map<string, Map<number, number | null>>();
/** Caches are dropped past this many entries: a long-running worker must not grow them forever. */
const CACHE_LIMIT = 200_000;

/** Minutes the zone is ahead of UTC at instant `t`. */
export function zoneOffset(t: number, zoneName: string): number {
  const z = zone(zoneName);
  const hour = Math.floor(t / HOUR);
  let hours = hourOffsets.get(zoneName);
  if (!hours || hours.size > CACHE_LIMIT) hourOffsets.set(zoneName, (hours = new Map()));
  let offset = hours.get(hour);
  if (offset === undefined) {
    // Intl is slow (microseconds a call) and zones change offset at most once an hour: equal ends mean none inside.
    const [first, last] = [z.offset(hour * HOUR), z.offset(hour * HOUR + HOUR - 1)];
    hours.set(hour, (offset = first === last ? first : null));
  }
  return offset ?? z.offset(t);
}

/** A real calendar date (not 2026-02-30). */
export function isValidDate(date: string): boolean {
  const m = DATE_SHAPE.exec(date);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** The date as a UTC-midnight number: calendar arithmetic without zones. */
function dayNumber(date: string): number {
  const m = DATE_SHAPE.exec(date);
  if (!m) throw new Error(`Not a date: ${date}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3]);
}

const dateOf = (utcMidnight: number) => new Date(utcMidnight).toISOString().slice(0, 10);

export function addDays(date: string, days: number): string {
  return dateOf(dayNumber(date) + days * DAY);
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return ((new Date(dayNumber(date)).getUTCDay() + 6) % 7) + 1;
}

/** The local calendar date in the zone at instant `t`. */
export function localDate(t: number, zoneName: string): string {
  return dateOf(Math.floor((t + zoneOffset(t, zoneName) * MINUTE) / DAY) * DAY);
}

const instants = new Map<string, number>();

/**
 * The instant a wall time happens in a zone. DST rules of the schedule:
 * - spring forward: a wall time the clocks skip (02:30 on 2026-03-29 in Berlin) starts at the first valid instant after it (the jump, 03:00);
 * - fall back: a wall time the clocks show twice (02:30 on 2026-10-25 in Berlin) starts at its first occurrence (CEST);
 * - durations are real elapsed minutes, so a block over a change ends when its length has really passed.
 */
export function wallTimeToInstant(date: string, minuteOfDay: number, zoneName: string): number {
  const key = `${zoneName}|${date}|${minuteOfDay}`;
  const cached = instants.get(key);
  if (cached !== undefined) return cached;
  const wall = dayNumber(date) + minuteOfDay * MINUTE;
  // Offsets in force a day either side: around a transition they are the two the wall time may be read in.
  const before = zoneOffset(wall - DAY, zoneName);
  const after = zoneOffset(wall + DAY, zoneName);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset * MINUTE)
    .filter((t) => wall === t + zoneOffset(t, zoneName) * MINUTE)
    .sort((a, b) => a - b);
  const instant = valid.length > 0 ? valid[0] : transitionBetween(wall - after * MINUTE, wall - before * MINUTE, after, zoneName);
  if (instants.size > CACHE_LIMIT) instants.clear();
  instants.set(key, instant);
  return instant;
}

/** The first instant in (lo, hi] where the zone's offset is `offset` (the moment clocks jump over a gap). */
function transitionBetween(lo: number, hi: number, offset: number, zoneName: string): number {
  // Invariant: the offset at lo is the old one, at hi the new one; zone transitions fall on whole seconds.
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (zoneOffset(mid, zoneName) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instant the local day containing `t` starts (midnight, or the first valid instant of the day where midnight is skipped). */
export function startOfLocalDay(t: number, zoneName: string): number {
  return wallTimeToInstant(localDate(t, zoneName), 0, zoneName);
}

/**
 * The last instant at or before `t` when the local clock showed minute `minute` of an hour (hourly jingles). Whole-hour
 * DST shifts keep the minute of the hour, so counting back from `t`'s own local minute is exact.
 */
export function lastMinuteOfHour(t: number, minute: number, zoneName: string): number {
  const local = t + zoneOffset(t, zoneName) * MINUTE;
  const intoHour = ((local % 3_600_000) + 3_600_000) % 3_600_000;
  const since = (((intoHour - minute * MINUTE) % 3_600_000) + 3_600_000) % 3_600_000;
  return t - since;
}
