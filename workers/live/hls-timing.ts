/**
 * Program date times that say when each HLS segment's audio sounds in the station's timeline. ffmpeg's hls muxer stamps
 * EXT-X-PROGRAM-DATE-TIME from its own clock when it opens the stream, which is off from the mixer's clock by its start
 * and by how far ahead the mixer writes (measured: 0.7–1.1 s); players switch titles by these stamps, so they are
 * rewritten from the wall-clock time of the first frame the encoder was fed plus the durations of the segments before.
 */

/** Where each segment starts, in seconds from the first frame of one encoder run, learnt from its successive lists. */
export class SegmentClock {
  private readonly starts = new Map<string, number>();
  private lastEnd = 0;

  /** Restamps `playlist` (ffmpeg's, one encoder run) with `firstFrameMs`, the wall time of that run's first frame. */
  stamp(playlist: string, firstFrameMs: number): string {
    const lines = playlist.split('\n');
    const segments: { uri: string; duration: number; pdtLine: number | null }[] = [];
    let duration = 0;
    let pdtLine: number | null = null;
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
      else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdtLine = i;
      else if (line && !line.startsWith('#')) {
        segments.push({ uri: line, duration, pdtLine });
        pdtLine = null;
      }
    });
    let prevEnd: number | null = null;
    for (const s of segments) {
      let start = this.starts.get(s.uri);
      if (start === undefined) {
        // The run's first segment starts at 0; a new one where the one before it ended.
        start = prevEnd ?? this.lastEnd;
        this.starts.set(s.uri, start);
      }
      prevEnd = start + s.duration;
      this.lastEnd = Math.max(this.lastEnd, prevEnd);
      if (s.pdtLine !== null) lines[s.pdtLine] = `#EXT-X-PROGRAM-DATE-TIME:${new Date(firstFrameMs + start * 1000).toISOString()}`;
    }
    // Segments gone from the list are not needed again.
    const listed = new Set(segments.map((s) => s.uri));
    for (const uri of this.starts.keys()) if (!listed.has(uri)) this.starts.delete(uri);
    return lines.join('\n');
  }
}
