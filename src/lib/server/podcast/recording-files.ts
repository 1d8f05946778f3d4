/** A channel's stored recordings (DATA_DIR/recordings/<channel>/rec-YYYYMMDD-HHMMSS.m4a): their spans, and the slices of a time range. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { audioDuration, type RecordingSlice } from './episode-media';

const NAME = /^rec-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.m4a$/;

export interface RecordingFile {
  name: string;
  file: string;
  start: number;
  end: number;
  bytes: number;
}

/** Gaps up to this long between files (the cut at a restart) still count as covered. */
const GAP_MS = 3000;

export class RecordingFiles {
  /** Durations per channel by file and size: a finished recording never changes, and probing each one on every list is slow. */
  private readonly durations = new Map<string, Map<string, number>>();

  constructor(private readonly dirOf: (channelId: string) => string) {}

  /** Every readable recording of the channel, oldest first. */
  async list(channelId: string): Promise<RecordingFile[]> {
    const dir = this.dirOf(channelId);
    const out: RecordingFile[] = [];
    const known = this.durations.get(channelId);
    // Rebuilt on each list, so files swept by the retention drop out of the cache.
    const seen = new Map<string, number>();
    for (const name of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
      const m = NAME.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) continue;
      const key = `${file}:${stat.size}`;
      const seconds = known?.get(key) ?? (await audioDuration(file)) ?? 0;
      seen.set(key, seconds);
      if (seconds <= 0) continue;
      const start = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      out.push({ name, file, start, end: start + Math.round(seconds * 1000), bytes: stat.size });
    }
    this.durations.set(channelId, seen);
    return out;
  }

  /** The slices that make [start, end), or what is missing: the recordings must cover the whole range. */
  slices(files: RecordingFile[], start: number, end: number): { ok: true; slices: RecordingSlice[] } | { ok: false; missingFrom: number } {
    const slices: RecordingSlice[] = [];
    let at = start;
    for (const f of files) {
      if (f.end <= at || f.start >= end) continue;
      if (f.start > at + GAP_MS) return { ok: false, missingFrom: at };
      const from = Math.max(at, f.start);
      const to = Math.min(end, f.end);
      slices.push({ file: f.file, inpoint: (from - f.start) / 1000, outpoint: (to - f.start) / 1000 });
      at = to;
      if (at >= end) break;
    }
    if (at < end - GAP_MS) return { ok: false, missingFrom: at };
    return { ok: true, slices };
  }
}
