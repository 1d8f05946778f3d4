// Reading the live HLS output as a listener sees it: the media playlist's segments with their program date times.

export interface HlsSegment {
  /** Media sequence number. */
  seq: number;
  name: string;
  /** EXTINF, in seconds. */
  duration: number;
  /** EXT-X-PROGRAM-DATE-TIME of the segment's first sample, wall-clock ms (NaN when the playlist has none). */
  pdt: number;
}

export interface MediaPlaylist {
  mediaSequence: number;
  targetDuration: number;
  segments: HlsSegment[];
}

/** Parses a live media playlist (tags before each URI apply to that segment). */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an M3U8 playlist');
  let mediaSequence = 0;
  let targetDuration = NaN;
  let duration = NaN;
  let pdt = NaN;
  const segments: HlsSegment[] = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0]);
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    else if (line && !line.startsWith('#')) {
      segments.push({ seq: mediaSequence + segments.length, name: line, duration, pdt });
      duration = NaN;
      pdt = NaN;
    }
  }
  return { mediaSequence, targetDuration, segments };
}

/**
 * Splits segments (sorted by seq) into runs that are one continuous stream: consecutive sequence numbers, each
 * segment's program date time where the previous one ended (an encoder restart starts a new run).
 */
export function continuousRuns<T extends HlsSegment>(segments: T[], toleranceMs = 50): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  for (const s of segments) {
    const prev = run.at(-1);
    if (prev && (s.seq !== prev.seq + 1 || Math.abs(s.pdt - (prev.pdt + prev.duration * 1000)) > toleranceMs)) {
      runs.push(run);
      run = [];
    }
    run.push(s);
  }
  if (run.length) runs.push(run);
  return runs;
}
