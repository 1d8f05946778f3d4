/**
 * A timeline as plain data: what the model reads out of the Yjs document, what a render job carries, and what the
 * filter-graph builder turns into ffmpeg arguments (on the server, in workers and in the browser preview alike).
 * Times are seconds. A clip covers [start, start + (out − in) / speed) on the timeline.
 */

export type TrackKind = 'video' | 'audio' | 'title';

export interface TimelineSettings {
  width: number;
  height: number;
  fps: number;
}

export const TIMELINE_PRESETS = {
  landscape: { width: 1920, height: 1080, fps: 30, label: '16:9 1920×1080' },
  portrait: { width: 1080, height: 1920, fps: 30, label: '9:16 1080×1920' },
  square: { width: 1080, height: 1080, fps: 30, label: '1:1 1080×1080' }
} as const satisfies Record<string, TimelineSettings & { label: string }>;

export interface TrackSnapshot {
  id: string;
  kind: TrackKind;
  name: string;
  /** Fractional index: higher video tracks are drawn on top; order is also the panel order. */
  order: string;
  muted: boolean;
  solo: boolean;
  locked: boolean;
  hidden: boolean;
  /** Audio tracks only: lowered under the track `byTrackId` (a voice track). */
  ducking: Ducking | null;
}

/**
 * How a track ducks: by `level` (a compressor keyed by the voice track's sound) or by `speech` (an envelope built
 * ahead of time from where Silero VAD heard speech in the voice track's clips). Attack and release are seconds: in
 * speech mode the ramp down ends as speech starts and the ramp up starts as it ends.
 */
export interface Ducking {
  byTrackId: string;
  amountDb: number;
  mode: DuckingMode;
  attack: number;
  release: number;
}

export type DuckingMode = 'level' | 'speech';

export type Easing = 'linear' | 'ease-in' | 'ease-out' | 'ease-in-out';

export interface Keyframe {
  /** Seconds from the clip's start on the timeline. */
  t: number;
  value: number;
  /** How the value moves from this keyframe to the next. */
  easing: Easing;
}

export type KeyframedProperty = 'volume' | 'opacity' | 'x' | 'y' | 'scale' | 'rotation';

export interface Transform {
  /** Offset of the clip's centre from the canvas centre, in canvas pixels. */
  x: number;
  y: number;
  /** 1 = fit inside the canvas keeping aspect (letterboxed). */
  scale: number;
  /** Degrees, clockwise. */
  rotation: number;
  /** Fractions (0..1) cut from each edge of the source picture. */
  crop: { top: number; right: number; bottom: number; left: number };
}

export type TitleAnimation = 'none' | 'fade' | 'slide-up';

export interface TitleStyle {
  text: string;
  font: string;
  /** Pixels at the canvas size. */
  size: number;
  color: string;
  /** A filled box behind the text, or null. */
  box: { color: string; padding: number } | null;
  /** Centre of the text as fractions of the canvas (0..1). */
  x: number;
  y: number;
  animationIn: TitleAnimation;
  animationOut: TitleAnimation;
}

export interface ClipSnapshot {
  id: string;
  trackId: string;
  /** The library asset it plays; null for a title clip. */
  assetId: string | null;
  start: number;
  /** In and out points in the source, seconds (for a title: 0 and its length). */
  in: number;
  out: number;
  speed: number;
  /** Linear gain, 1 = unchanged. */
  volume: number;
  fadeIn: number;
  fadeOut: number;
  opacity: number;
  transform: Transform;
  keyframes: Partial<Record<KeyframedProperty, Keyframe[]>>;
  title: TitleStyle | null;
}

/** xfade's names; the audio under a transition crossfades (acrossfade). */
export type TransitionKind = 'fade' | 'fadeblack' | 'wipeleft' | 'wiperight' | 'slideleft' | 'slideright' | 'dissolve';

/**
 * A transition centred on the cut between two adjacent clips of one track: it uses `duration / 2` of handle
 * (source media beyond the out point of `fromClipId` and before the in point of `toClipId`), so the cut stays put.
 */
export interface TransitionSnapshot {
  id: string;
  fromClipId: string;
  toClipId: string;
  kind: TransitionKind;
  duration: number;
}

export interface MarkerSnapshot {
  id: string;
  time: number;
  label: string;
  color: string;
}

export interface TimelineSnapshot {
  settings: TimelineSettings;
  /** By order, bottom (first) to top. */
  tracks: TrackSnapshot[];
  clips: ClipSnapshot[];
  transitions: TransitionSnapshot[];
  markers: MarkerSnapshot[];
}

export const clipDuration = (c: Pick<ClipSnapshot, 'in' | 'out' | 'speed'>) => (c.out - c.in) / c.speed;
export const clipEnd = (c: Pick<ClipSnapshot, 'start' | 'in' | 'out' | 'speed'>) => c.start + clipDuration(c);
