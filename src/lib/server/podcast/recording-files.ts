/** A channel's stored recordings (objects `recordings/<channel>/rec-YYYYMMDD-HHMMSS.m4a`): their spans, and the slices of a time range. */
import type { BlobStorage } from '../storage/storage';
import { audioDuration, type RecordingSlice } from './episode-media';

const NAME = /^rec-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.m4a$/;

export interface RecordingFile {
  name: string;
  /** The storage object's key. */
  key: string;
  start: number;
  end: number;
  bytes: number;
}

/** Gaps up to this long between files (the cut at a restart) still count as covered. */
const GAP_MS = 3000;

export class RecordingFiles {
  /** Durations per channel by file and size: a finished recording never changes, and probing each one on every list is slow. */
  private readonly durations = new Map<string, Map<string, number>>();

  constructor(private readonly storage: BlobStorage) {}

  /** Every readable recording of the channel, oldest first. */
  async list(channelId: string): Promise<RecordingFile[]> {
    const out: RecordingFile[] = [];
    const known = this.durations.get(channelId);
    // Rebuilt on each list, so files swept by the retention drop out of the cache.
    const seen = new Map<string, number>();
    for await (const o of this.storage.listObjects(recordingPrefix(channelId))) {
      const name = o.key.slice(o.key.lastIndexOf('/') + 1);
      const m = NAME.exec(name);
      if (!m) continue;
      const version = `${o.key}:${o.bytes}`;
      const seconds = known?.get(version) ?? (await this.duration(o.key)) ?? 0;
      seen.set(version, seconds);
      if (seconds <= 0) continue;
      const start = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      out.push({ name, key: o.key, start, end: start + Math.round(seconds * 1000), bytes: o.bytes });
    }
    this.durations.set(channelId, seen);
    return out.sort((a, b) => a.start - b.start);
  }

  private async duration(key: string): Promise<number | null> {
    const file = await this.storage.objectFile(key).catch(() => null);
    return file ? audioDuration(file) : null;
  }

  /** A local file with the recording's bytes, for a player or ffmpeg. */
  localFile(f: Pick<RecordingFile, 'key'>): Promise<string> {
    return this.storage.objectFile(f.key);
  }

  /** The slices with local files in place of object keys, for ffmpeg. */
  async localSlices(slices: RecordingSlice[]): Promise<RecordingSlice[]> {
    return Promise.all(slices.map(async (s) => ({ ...s, file: await this.storage.objectFile(s.file) })));
  }

  /** The slices (by object key) that make [start, end), or what is missing: the recordings must cover the whole range. */
  slices(files: RecordingFile[], start: number, end: number): { ok: true; slices: RecordingSlice[] } | { ok: false; missingFrom: number } {
    const slices: RecordingSlice[] = [];
    let at = start;
    for (const f of files) {
      if (f.end <= at || f.start >= end) continue;
      if (f.start > at + GAP_MS) return { ok: false, missingFrom: at };
      const from = Math.max(at, f.start);
      const to = Math.min(end, f.end);
      slices.push({ file: f.key, inpoint: (from - f.start) / 1000, outpoint: (to - f.start) / 1000 });
      at = to;
      if (at >= end) break;
    }
    if (at < end - GAP_MS) return { ok: false, missingFrom: at };
    return { ok: true, slices };
  }
}

/** Where a channel's recordings are kept: DATA_DIR/recordings/<channel>/ locally, `<prefix>recordings/<channel>/` in a bucket. */
export const recordingPrefix = (channelId: string) => `recordings/${channelId}/`;
