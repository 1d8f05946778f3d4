/**
 * Where blocks fall in real time: each block's occurrences (one per matching local date), which one is on air at an
 * instant (overlaps resolved by priority) and where the hard starts are. Pure and memoised per instance.
 */
import type { BlockSnapshot } from './snapshot';
import { addDays, isoWeekday, localDate, wallTimeToInstant } from './wall-time';

const DAY = 86_400_000;

export interface BlockOccurrence {
  block: BlockSnapshot;
  /** The local date it starts on, in the block's zone. */
  date: string;
  /** Stable across machines and runs: seeds this occurrence's shuffles and weighted choice. */
  key: string;
  start: number;
  end: number;
}

/** Where blocks overlap: the higher priority wins; ties go to the later start, then to the smaller id. */
export function outranks(a: BlockOccurrence, b: BlockOccurrence): boolean {
  if (a.block.priority !== b.block.priority) return a.block.priority > b.block.priority;
  if (a.start !== b.start) return a.start > b.start;
  return a.block.id < b.block.id;
}

export function occursOn(block: BlockSnapshot, date: string): boolean {
  return block.when.weekdays.includes(isoWeekday(date)) || block.when.dates.includes(date);
}

export class Occurrences {
  readonly #byDate = new Map<string, BlockOccurrence | null>();
  readonly #near = new Map<number, BlockOccurrence[]>();
  readonly #hard = new Map<number, BlockOccurrence[]>();

  constructor(readonly blocks: readonly BlockSnapshot[]) {}

  /** The block's occurrence starting on that local date, or null when it does not occur then. */
  on(block: BlockSnapshot, date: string): BlockOccurrence | null {
    const key = `${block.id}@${date}`;
    let occ = this.#byDate.get(key);
    if (occ === undefined) {
      occ = null;
      if (occursOn(block, date)) {
        const start = wallTimeToInstant(date, block.when.startMinute, block.timezone);
        occ = { block, date, key, start, end: start + block.durationMinutes * 60_000 };
      }
      this.#byDate.set(key, occ);
    }
    return occ;
  }

  /** Occurrences that start within [from, to] (a few days either side are enumerated, so zones and durations are covered). */
  starting(from: number, to: number): BlockOccurrence[] {
    const out: BlockOccurrence[] = [];
    for (const block of this.blocks) {
      const last = localDate(to, block.timezone);
      for (let date = localDate(from, block.timezone); date <= last; date = addDays(date, 1)) {
        const occ = this.on(block, date);
        if (occ && occ.start >= from && occ.start <= to) out.push(occ);
      }
    }
    return out.sort((a, b) => a.start - b.start || (a.block.id < b.block.id ? -1 : 1));
  }

  /** Occurrences that could cover an instant of the UTC day containing `t` (a block lasts at most a day). */
  private near(t: number): BlockOccurrence[] {
    const day = Math.floor(t / DAY);
    let list = this.#near.get(day);
    if (!list) this.#near.set(day, (list = this.starting(day * DAY - 2 * DAY, day * DAY + DAY)));
    return list;
  }

  /** Occurrences on air at `t` (start inclusive, end exclusive). */
  covering(t: number): BlockOccurrence[] {
    return this.near(t).filter((o) => o.start <= t && t < o.end);
  }

  /** The occurrence on air at `t`, or null when no block is (the default rotation plays). */
  winnerAt(t: number): BlockOccurrence | null {
    let best: BlockOccurrence | null = null;
    for (const o of this.covering(t)) if (!best || outranks(o, best)) best = o;
    return best;
  }

  /** The latest end of an occurrence at or before `t` within the last two days (when the rotation took over). */
  lastEndBefore(t: number): number | null {
    let last: number | null = null;
    for (const o of [...this.near(t - DAY), ...this.near(t)]) if (o.end <= t && (last === null || o.end > last)) last = o.end;
    return last;
  }

  /** The first hard start in (after, until]: a hard-start occurrence that is on air at its own start. */
  firstHardStart(after: number, until: number): BlockOccurrence | null {
    for (let day = Math.floor((after + 1) / DAY); day * DAY <= until; day++) {
      let list = this.#hard.get(day);
      if (!list) {
        list = this.starting(day * DAY, day * DAY + DAY - 1).filter((o) => o.block.startMode === 'hard' && this.winnerAt(o.start) === o);
        this.#hard.set(day, list);
      }
      const found = list.find((o) => o.start > after && o.start <= until);
      if (found) return found;
    }
    return null;
  }

  /** The hard-start occurrence beginning exactly at `t`, if any. */
  hardStartAt(t: number): BlockOccurrence | null {
    const w = this.winnerAt(t);
    return w && w.start === t && w.block.startMode === 'hard' ? w : null;
  }
}

export interface ScheduleOverlap {
  /** The two blocks, smaller id first, with the local dates their occurrences start on. */
  blockIds: [string, string];
  dates: [string, string];
  from: number;
  to: number;
  /** Who plays during the overlap (by priority, then later start, then id). */
  winnerId: string;
}

/** Every pair of block occurrences that overlap within [from, to): what the week view marks as a conflict. */
export function scheduleOverlaps(blocks: readonly BlockSnapshot[], from: number, to: number): ScheduleOverlap[] {
  const occ = new Occurrences(blocks).starting(from - 2 * DAY, to).filter((o) => o.end > from);
  const out: ScheduleOverlap[] = [];
  for (let i = 0; i < occ.length; i++) {
    for (let j = i + 1; j < occ.length; j++) {
      const [a, b] = occ[i].block.id < occ[j].block.id || (occ[i].block.id === occ[j].block.id && occ[i].start < occ[j].start) ? [occ[i], occ[j]] : [occ[j], occ[i]];
      const start = Math.max(a.start, b.start, from);
      const end = Math.min(a.end, b.end, to);
      if (start >= end) continue;
      out.push({ blockIds: [a.block.id, b.block.id], dates: [a.date, b.date], from: start, to: end, winnerId: (outranks(a, b) ? a : b).block.id });
    }
  }
  return out.sort((x, y) => x.from - y.from || (x.blockIds.join() < y.blockIds.join() ? -1 : 1));
}
