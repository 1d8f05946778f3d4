/**
 * Speech ducking: where a voice track speaks on the timeline, from speech detection's segments (Silero VAD, in
 * seconds of each clip's source asset), and how far a track ducked under it is lowered at any moment. Pure: the
 * render's filter graph (server and browser preview alike) turns the same spans into a volume envelope.
 */
import { clipEnd, type ClipSnapshot, type Ducking, type TimelineSnapshot } from './snapshot';

export interface TimeSpan {
  start: number;
  end: number;
}

/** Speech segments by asset id (source seconds); an asset missing here has not been through speech detection. */
export type SpeechByAsset = Readonly<Record<string, readonly TimeSpan[]>>;

type Ramps = Pick<Ducking, 'attack' | 'release'>;

/** The voice track's clips that play an asset (titles carry no sound). */
export function voiceClips(snapshot: TimelineSnapshot, voiceTrackId: string): ClipSnapshot[] {
  return snapshot.clips.filter((c) => c.trackId === voiceTrackId && c.assetId !== null);
}

/** Assets of the voice track's clips with no speech detection yet: until they have one, the track ducks by level. */
export function assetsWithoutSpeech(clips: readonly ClipSnapshot[], speech: SpeechByAsset): string[] {
  return [...new Set(clips.flatMap((c) => (c.assetId && !speech[c.assetId] ? [c.assetId] : [])))];
}

/**
 * Timeline spans where the clips speak: each segment is cut to the clip's in/out and mapped through its start and
 * speed. Spans closer than attack + release are merged, since the ducked track could not come back up between them.
 */
export function speechSpans(clips: readonly ClipSnapshot[], speech: SpeechByAsset, ramps: Ramps): TimeSpan[] {
  const spans: TimeSpan[] = [];
  for (const c of clips) {
    const segments = c.assetId ? speech[c.assetId] : undefined;
    if (!segments || !(c.speed > 0)) continue;
    const end = clipEnd(c);
    for (const s of segments) {
      const from = Math.max(s.start, c.in);
      const to = Math.min(s.end, c.out);
      if (!(to > from)) continue;
      spans.push({ start: c.start + (from - c.in) / c.speed, end: Math.min(end, c.start + (to - c.in) / c.speed) });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: TimeSpan[] = [];
  // A microsecond's slack: a gap of exactly attack + release, as typed, stays a gap despite float rounding.
  const gap = ramps.attack + ramps.release - 1e-6;
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.start - last.end < gap) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged;
}

/**
 * How deep the duck is at timeline second `t`: 0 at full level, 1 lowered by the whole amount. Known ahead of time,
 * so the ramp down ends as speech starts (over `attack`) and the ramp up begins as it ends (over `release`).
 */
export function duckDepthAt(spans: readonly TimeSpan[], t: number, ramps: Ramps): number {
  let depth = 0;
  for (const s of spans) depth = Math.max(depth, Math.min(1, (t - (s.start - ramps.attack)) / ramps.attack, (s.end + ramps.release - t) / ramps.release));
  return Math.max(0, depth);
}
