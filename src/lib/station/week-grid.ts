/**
 * The week calendar's geometry: seven local days of the station's zone, each drawn as 24 wall-clock hours, and the
 * mapping between a point on it, a wall time and a real instant. Days with a DST change keep 24 drawn hours: an hour
 * the clocks skip is drawn empty, an hour they repeat is drawn once (a block in it shows where its wall time is).
 */
import { addDays, isoWeekday, localDate, wallTimeToInstant, zoneOffset } from '$lib/editor/model/schedule/wall-time';

const MINUTE = 60_000;
export const MINUTES_PER_DAY = 1440;
/** Drags and arrow keys move by this many minutes. */
export const SNAP_MINUTES = 15;

/** Where the grid is on screen: the left edge of Monday, the top of 00:00, one day's width, pixels per minute. */
export interface WeekGeometry {
  left: number;
  top: number;
  dayWidth: number;
  pxPerMinute: number;
}

/** A place on the week: a day (0 = Monday … 6 = Sunday) and a wall minute of it (0 … 1440). */
export interface WeekSlot {
  day: number;
  minute: number;
}

/** The Monday (local date) of the week containing instant `t` in the zone. */
export function mondayOf(t: number, zone: string): string {
  const date = localDate(t, zone);
  return addDays(date, 1 - isoWeekday(date));
}

/** The seven local dates of the week starting on `monday`. */
export function weekDates(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** The instants the week shown starts and ends (local midnights, so 167, 168 or 169 real hours). */
export function weekRange(monday: string, zone: string): { from: number; to: number } {
  return { from: wallTimeToInstant(monday, 0, zone), to: wallTimeToInstant(addDays(monday, 7), 0, zone) };
}

const snap = (minute: number, step: number) => Math.round(minute / step) * step;

/** The slot under a point, snapped (default to 15 minutes) and kept on the week. */
export function pointToSlot(x: number, y: number, g: WeekGeometry, step = SNAP_MINUTES): WeekSlot {
  const day = Math.max(0, Math.min(6, Math.floor((x - g.left) / g.dayWidth)));
  const minute = Math.max(0, Math.min(MINUTES_PER_DAY, snap((y - g.top) / g.pxPerMinute, step)));
  return { day, minute };
}

/** The top-left point of a slot. */
export function slotToPoint(slot: WeekSlot, g: WeekGeometry): { x: number; y: number } {
  return { x: g.left + slot.day * g.dayWidth, y: g.top + slot.minute * g.pxPerMinute };
}

/** A pixel distance dragged vertically, as whole snapped minutes. */
export function pixelsToMinutes(dy: number, g: WeekGeometry, step = SNAP_MINUTES): number {
  return snap(dy / g.pxPerMinute, step);
}

/** The real instant of a slot in the week starting on `monday` (a skipped wall time: the moment the clocks jump). */
export function slotToInstant(slot: WeekSlot, monday: string, zone: string): number {
  const extra = Math.floor(slot.minute / MINUTES_PER_DAY);
  return wallTimeToInstant(addDays(monday, slot.day + extra), slot.minute - extra * MINUTES_PER_DAY, zone);
}

/** Where an instant is drawn: the day of the week (may be outside 0…6) and its wall minute in the zone. */
export function instantToSlot(t: number, monday: string, zone: string): WeekSlot {
  const date = localDate(t, zone);
  const wall = t + zoneOffset(t, zone) * MINUTE;
  const minute = Math.round((((wall % 86_400_000) + 86_400_000) % 86_400_000) / MINUTE);
  return { day: daysBetween(monday, date), minute };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A piece of an occurrence within one drawn day: [from, to) wall minutes. */
export interface DaySegment {
  day: number;
  from: number;
  to: number;
  /** The piece holds the occurrence's start (its title goes here) / its end (its resize handle goes here). */
  first: boolean;
  last: boolean;
}

/** An occurrence [start, end) cut at local midnights into the pieces the week shows (pieces off the week are left out). */
export function occurrenceSegments(start: number, end: number, monday: string, zone: string): DaySegment[] {
  const a = instantToSlot(start, monday, zone);
  const endSlot = instantToSlot(end, monday, zone);
  // An end at midnight belongs to the day before, drawn to 24:00.
  const b = endSlot.minute === 0 && endSlot.day > a.day ? { day: endSlot.day - 1, minute: MINUTES_PER_DAY } : endSlot;
  const out: DaySegment[] = [];
  for (let day = a.day; day <= b.day; day++) {
    if (day < 0 || day > 6) continue;
    const from = day === a.day ? a.minute : 0;
    const to = day === b.day ? b.minute : MINUTES_PER_DAY;
    // A fall-back hour can draw the end above the start on one day: keep at least the 15 minutes one can grab.
    out.push({ day, from, to: Math.max(to, from + SNAP_MINUTES), first: day === a.day, last: day === b.day });
  }
  return out;
}

/** "HH:MM" of a wall minute (24:00 for the end of a day). */
export function wallClock(minute: number): string {
  const m = ((Math.round(minute) % (MINUTES_PER_DAY + 1)) + MINUTES_PER_DAY + 1) % (MINUTES_PER_DAY + 1);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Side-by-side columns for pieces that overlap on one day (as calendars draw clashing meetings): each piece gets a
 * lane and the lane count of its cluster of overlapping pieces, so none hides another.
 */
export function dayLanes<T extends { day: number; from: number; to: number }>(pieces: readonly T[]): { lane: number; lanes: number }[] {
  const out = pieces.map(() => ({ lane: 0, lanes: 1 }));
  const order = pieces.map((_, i) => i).sort((x, y) => pieces[x].day - pieces[y].day || pieces[x].from - pieces[y].from || pieces[y].to - pieces[x].to);
  let cluster: number[] = [];
  let ends: number[] = [];
  let clusterEnd = -1;
  let day = -Infinity;
  const close = () => cluster.forEach((i) => (out[i].lanes = ends.length));
  for (const i of order) {
    const p = pieces[i];
    if (p.day !== day || p.from >= clusterEnd) {
      close();
      [cluster, ends, clusterEnd, day] = [[], [], -1, p.day];
    }
    let lane = ends.findIndex((end) => end <= p.from);
    if (lane < 0) lane = ends.push(p.to) - 1;
    else ends[lane] = p.to;
    out[i].lane = lane;
    cluster.push(i);
    clusterEnd = Math.max(clusterEnd, p.to);
  }
  close();
  return out;
}
