/**
 * The live playlist players are served, kept by the web process from the worker's uploads. Each run of the worker's
 * HLS encoder (a resumed job, a restarted output) starts a new ffmpeg with new segment numbers and timestamps from
 * zero; served as uploaded, players would see the media sequence jump and stop. Here the served list goes on instead:
 * a segment that does not follow the one before it gets EXT-X-DISCONTINUITY, the media sequence counts served
 * segments, and EXT-X-DISCONTINUITY-SEQUENCE counts the discontinuities that slid out of the window (RFC 8216 6.2.2).
 */

interface Segment {
  /** The segment's own tags (EXTINF, program date time), in order. */
  tags: string[];
  uri: string;
  discontinuity: boolean;
}

interface MediaPlaylist {
  version: number;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: Segment[];
  ended: boolean;
}

function parse(text: string): MediaPlaylist {
  const p: MediaPlaylist = { version: 3, targetDuration: 0, mediaSequence: 0, discontinuitySequence: 0, segments: [], ended: false };
  let tags: string[] = [];
  let discontinuity = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line === '#EXTM3U') continue;
    const [tag, value = ''] = line.split(/:(.*)/s);
    if (tag === '#EXT-X-VERSION') p.version = Number(value) || 3;
    else if (tag === '#EXT-X-TARGETDURATION') p.targetDuration = Number(value) || 0;
    else if (tag === '#EXT-X-MEDIA-SEQUENCE') p.mediaSequence = Number(value) || 0;
    else if (tag === '#EXT-X-DISCONTINUITY-SEQUENCE') p.discontinuitySequence = Number(value) || 0;
    else if (tag === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (tag === '#EXT-X-ENDLIST') p.ended = true;
    else if (line.startsWith('#')) tags.push(line);
    else {
      p.segments.push({ tags, uri: line, discontinuity });
      tags = [];
      discontinuity = false;
    }
  }
  return p;
}

function render(p: MediaPlaylist): string {
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${p.version}`,
    `#EXT-X-TARGETDURATION:${p.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`
  ];
  for (const s of p.segments) lines.push(...(s.discontinuity ? ['#EXT-X-DISCONTINUITY'] : []), ...s.tags, s.uri);
  if (p.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** The encoder's segment number, from its file name (seg-N.ts, N from the epoch: it only grows across runs). */
const numberOf = (uri: string) => Number(/(\d+)\.ts$/.exec(uri)?.[1] ?? NaN);

/**
 * The served playlist after the worker uploaded `uploaded`: `served` (null when none) continued with the segments it
 * has not listed yet, trimmed to the last `windowSize`. A served playlist that ended (the station stopped) is not
 * continued: the upload starts the stream afresh. The target duration is at least `targetDuration` from the start
 * (a playlist's must not change, and an encoder's first segments may be shorter than the rest).
 */
export function continuePlaylist(served: string | null, uploaded: string, o: { windowSize: number; targetDuration: number }): string {
  const windowSize = o.windowSize;
  const next = parse(uploaded);
  const base = served === null ? null : parse(served);
  const fresh = !base || base.ended || base.segments.length === 0;
  const out: MediaPlaylist = fresh
    ? { ...next, segments: [...next.segments], ended: false }
    : { ...base, version: Math.max(base.version, next.version), targetDuration: Math.max(base.targetDuration, next.targetDuration), segments: [...base.segments] };
  let last = numberOf(out.segments.at(-1)?.uri ?? '');
  for (const s of fresh ? [] : next.segments) {
    const n = numberOf(s.uri);
    // Listed already, or older than what is served (a late upload of a run that was replaced).
    if (!(n > last)) continue;
    out.segments.push({ ...s, discontinuity: s.discontinuity || n !== last + 1 });
    last = n;
  }
  out.targetDuration = Math.max(out.targetDuration, o.targetDuration);
  while (out.segments.length > windowSize) {
    const gone = out.segments.shift()!;
    out.mediaSequence++;
    if (gone.discontinuity) out.discontinuitySequence++;
  }
  return render(out);
}

/** The segment files a playlist lists. */
export function segmentsOf(playlist: string): string[] {
  return parse(playlist).segments.map((s) => s.uri);
}
