/**
 * The ffmpeg filter graph for a timeline: one builder for the server render and the ffmpeg.wasm preview, so both
 * show the same cut. Pure (no I/O, no node: imports): it only turns a `TimelineSnapshot` and its sources into
 * ffmpeg inputs and a `-filter_complex` string.
 *
 * Shape of the graph:
 *  - every media clip is one input per stream kind (`-ss`/`-t` around the part it plays, plus transition handles),
 *    trimmed again in the graph, retimed (setpts / atempo), normalized (fps, 48 kHz stereo) and cut to an exact
 *    frame/sample count;
 *  - clips joined by transitions form a segment: each member fills the canvas (padded with black, or drawn on a black
 *    canvas when transformed); xfade blends only the overlaps, concat joins them with the members' bodies (video),
 *    acrossfade chains the sound;
 *  - the lowest video track is the canvas itself (its segments and black gaps concatenated); the tracks above are
 *    composited bottom → top with overlay / drawtext. Everything stays 4:2:0 but xfade's overlaps;
 *  - audio: clips are placed with adelay and summed per track (amix normalize=0), ducked tracks go through
 *    sidechaincompress keyed by the voice track (level ducking) or a volume envelope built from where speech
 *    detection heard speech in the voice track's clips (speech ducking), tracks are summed, then optionally loudnorm'ed.
 *
 * Timing is frame-accurate: clip edges are rounded to frames of `opts.fps` once, and audio positions are derived from
 * the same frames, so adjacent clips abut exactly and sound stays with its picture.
 */
import type {
  ClipSnapshot,
  Easing,
  Keyframe,
  TimelineSnapshot,
  TitleAnimation,
  TrackSnapshot,
  TransitionKind
} from '../model/timeline/snapshot';
import { valueAt } from '../model/timeline/keyframes';
import { MAX_SCALE, MIN_SCALE } from '../model/timeline/clip';
import { assetsWithoutSpeech, speechSpans, type TimeSpan } from '../model/timeline/speech-ducking';
import { DUCKING_ATTACK_RANGE, DUCKING_DEFAULTS, DUCKING_RELEASE_RANGE } from '../model/timeline/track';

export const RENDER_SAMPLE_RATE = 48_000;
/** Bundled with Debian's fonts-dejavu-core; the worker image and the test setup install it. */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
/** Web delivery: -14 LUFS integrated (what YouTube/Spotify normalize to), true peak below -1.5 dBTP for the AAC encode. */
export const WEB_LOUDNESS = { integratedLufs: -14, truePeakDbtp: -1.5, lra: 11 } as const;

export interface RenderSource {
  /** A path (server) or an ffmpeg.wasm FS name (preview). */
  input: string;
  /** Seconds of media in the file; bounds the transition handles. */
  duration: number;
  hasVideo: boolean;
  hasAudio: boolean;
  width?: number;
  height?: number;
  /** A still image: looped for as long as the clip lasts, unlimited handles. */
  still?: boolean;
  /** Where speech detection (Silero VAD) heard speech, source seconds; absent when it has not run on this asset. */
  speech?: readonly TimeSpan[] | null;
}

/** loudnorm's first-pass report (print_format=json), as numbers. */
export interface LoudnormMeasurement {
  inputI: number;
  inputTp: number;
  inputLra: number;
  inputThresh: number;
  targetOffset: number;
}

export interface RenderGraphOptions {
  width: number;
  height: number;
  fps: number;
  /** Timeline seconds to render; the output starts at `start`. */
  range?: { start: number; end: number };
  /** The default font; `fonts` maps TitleStyle.font names to other files. */
  fontFile: string;
  fonts?: Record<string, string>;
  /** Integrated loudness in LUFS (web delivery: -14); omit for the preview. */
  loudnessTarget?: number;
  /**
   * Second pass: what a first pass measured (buildAudioGraph with loudnessReport), applied with linear=true.
   * null: the first pass heard silence, so nothing is normalized.
   */
  loudnessMeasured?: LoudnormMeasurement | null;
  /** loudnorm prints its report (print_format=json) on stderr when the graph ends. */
  loudnessReport?: boolean;
}

export interface RenderInput {
  file: string;
  /** Options that go before its `-i`. */
  options: string[];
}

export interface RenderGraph {
  inputs: RenderInput[];
  filterComplex: string;
  /** Output pads, bracketed and ready for `-map`. */
  outputs: { video: string; audio: string };
  /** Seconds (a whole number of frames). */
  duration: number;
  frames: number;
  samples: number;
  /** What was left out and why (missing sources, impossible transitions…); the graph is valid regardless. */
  warnings: string[];
}

export interface AudioGraph {
  inputs: RenderInput[];
  filterComplex: string;
  output: string;
  duration: number;
  samples: number;
  warnings: string[];
}

/** Everything: picture and sound. */
export function buildRenderGraph(snapshot: TimelineSnapshot, sources: Record<string, RenderSource>, opts: RenderGraphOptions): RenderGraph {
  const g = new GraphBuilder(snapshot, sources, opts);
  const video = g.buildVideo();
  const audio = g.buildAudio();
  return {
    inputs: g.inputs,
    filterComplex: g.chains.join(';\n'),
    outputs: { video, audio },
    duration: g.frames / g.fps,
    frames: g.frames,
    samples: g.samples,
    warnings: g.warnings
  };
}

/**
 * Sound only, e.g. for a loudness measurement pass: with `loudnessReport` (and `loudnessTarget`) loudnorm prints its
 * report as JSON on stderr at the end; send the output to `-f null -`.
 */
export function buildAudioGraph(snapshot: TimelineSnapshot, sources: Record<string, RenderSource>, opts: RenderGraphOptions): AudioGraph {
  const g = new GraphBuilder(snapshot, sources, opts);
  const output = g.buildAudio();
  return { inputs: g.inputs, filterComplex: g.chains.join(';\n'), output, duration: g.frames / g.fps, samples: g.samples, warnings: g.warnings };
}

// ---------------------------------------------------------------------------------------------------------------
// Escaping and number formatting

/** Backslash-escapes what ffmpeg's option parser treats specially inside a `key=value` (first level). */
export function escapeOptionValue(value: string): string {
  return value.replace(/[\\':]/g, (c) => `\\${c}`);
}

/** Backslash-escapes what the filtergraph parser treats specially in a filter's arguments (second level). */
export function escapeGraphArgs(args: string): string {
  return args.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/**
 * Text for drawtext as it must appear in the graph: both levels escaped, newlines kept (drawtext breaks lines on
 * them), leading/trailing blanks protected. The filter also gets expansion=none so `%` is literal.
 */
export function escapeDrawtext(text: string): string {
  // Both parsers trim unescaped blanks at the ends of a token, so edge blanks are escaped at each level.
  const edges = (s: string) => s.replace(/^\s+|\s+$/g, (blank) => blank.replace(/./gs, (c) => `\\${c}`));
  return edges(escapeGraphArgs(edges(escapeOptionValue(text.replace(/\r\n?/g, '\n')))));
}

type ArgValue = string | number;

/** `name=k1=v1:k2=v2`, every value escaped at both levels. Expressions need no quotes this way. */
function filter(name: string, args?: Record<string, ArgValue | undefined | null>): string {
  if (!args) return name;
  const pairs = Object.entries(args)
    .filter((e): e is [string, ArgValue] => e[1] !== undefined && e[1] !== null)
    .map(([k, v]) => `${k}=${escapeOptionValue(typeof v === 'number' ? num(v) : v)}`);
  return pairs.length ? `${name}=${escapeGraphArgs(pairs.join(':'))}` : name;
}

/** Plain decimal (never exponent notation), at most 6 decimals, no "-0". */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const s = x.toFixed(6).replace(/\.?0+$/, '');
  return s === '-0' || s === '' ? '0' : s;
}

function fpsString(fps: number): string {
  for (const base of [24, 30, 60, 120]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.005) return `${base * 1000}/1001`;
  }
  if (Number.isInteger(fps)) return String(fps);
  return `${Math.round(fps * 1000)}/1000`;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const finite = (x: unknown, fallback: number): number => (typeof x === 'number' && Number.isFinite(x) ? x : fallback);

// ---------------------------------------------------------------------------------------------------------------
// Keyframes as ffmpeg expressions

function easeExpr(easing: Easing, p: string): string {
  switch (easing) {
    case 'ease-in':
      return `(${p})*(${p})`;
    case 'ease-out':
      return `(${p})*(2-(${p}))`;
    case 'ease-in-out':
      return `(${p})*(${p})*(3-2*(${p}))`;
    default:
      return p;
  }
}

/** The same curves in JS, for values the graph needs as numbers (sendcmd schedules, maxima). */

function cleanKeyframes(kfs: Keyframe[] | undefined): Keyframe[] {
  if (!Array.isArray(kfs)) return [];
  return kfs
    .filter((k) => k && Number.isFinite(k.t) && Number.isFinite(k.value))
    .map((k) => ({ t: k.t, value: k.value, easing: k.easing }))
    .sort((a, b) => a.t - b.t);
}

/** The value at clip time `t` (seconds from the clip's start), holding the first/last value outside the keyframes. */
export function keyframeValue(kfs: Keyframe[], t: number, fallback: number): number {
  return valueAt(cleanKeyframes(kfs), t) ?? fallback;
}

/**
 * A piecewise expression of `time` (an expression in seconds from the clip's start, e.g. "(t-2.5)") that follows the
 * keyframes; `scale` multiplies every value (canvas scaling of pixel offsets).
 */
export function keyframeExpr(kfs: Keyframe[], time: string, scale = 1): string {
  const list = cleanKeyframes(kfs);
  if (!list.length) return '0';
  const v = (x: number) => num(x * scale);
  let expr = v(list.at(-1)!.value);
  for (let i = list.length - 2; i >= 0; i--) {
    const a = list[i]!;
    const b = list[i + 1]!;
    const span = b.t - a.t;
    if (span <= 1e-9) continue;
    const p = `(${time}-${num(a.t)})/${num(span)}`;
    const seg = a.value === b.value ? v(a.value) : `${v(a.value)}+${num((b.value - a.value) * scale)}*${easeExpr(a.easing, p)}`;
    expr = `if(lt(${time},${num(b.t)}),${seg},${expr})`;
  }
  return `if(lt(${time},${num(list[0]!.t)}),${v(list[0]!.value)},${expr})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Colours

const NAMED_COLORS: Record<string, string> = {
  white: 'FFFFFF',
  black: '000000',
  red: 'FF0000',
  green: '008000',
  lime: '00FF00',
  blue: '0000FF',
  yellow: 'FFFF00',
  cyan: '00FFFF',
  magenta: 'FF00FF',
  gray: '808080',
  grey: '808080',
  orange: 'FFA500',
  purple: '800080',
  pink: 'FFC0CB',
  transparent: '00000000'
};

/** CSS-ish colour (#rgb, #rrggbb, #rrggbbaa, rgb()/rgba(), a few names) → ffmpeg "0xRRGGBBAA"; unknown → fallback. */
export function ffmpegColor(color: string | null | undefined, fallback = 'FFFFFF'): string {
  const s = (color ?? '').trim().toLowerCase();
  let hex: string | null = null;
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    const h = m[1]!;
    hex = h.length === 3 ? h.replace(/./g, (c) => c + c) : h;
  } else if (NAMED_COLORS[s]) {
    hex = NAMED_COLORS[s]!;
  } else {
    const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/.exec(s);
    if (rgb) {
      const byte = (x: number) => clamp(Math.round(x), 0, 255).toString(16).padStart(2, '0');
      hex = byte(Number(rgb[1])) + byte(Number(rgb[2])) + byte(Number(rgb[3])) + (rgb[4] !== undefined ? byte(Number(rgb[4]) * 255) : '');
    }
  }
  hex = (hex ?? fallback).toUpperCase();
  return `0x${hex.length === 6 ? `${hex}FF` : hex}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The builder

interface Placed {
  clip: ClipSnapshot;
  track: TrackSnapshot;
  /** null for a title. */
  source: RenderSource | null;
  speed: number;
  startF: number;
  endF: number;
  /** Frames of source available beyond the out point / before the in point, at the clip's speed. */
  tailHandleF: number;
  headHandleF: number;
  hasIncoming: boolean;
  hasOutgoing: boolean;
}

interface Member {
  p: Placed;
  /** Frames played before the clip's start / after its end (transition handles). */
  headExt: number;
  tailExt: number;
}

/** Over the cut between two members: `head` frames before it (the next clip's handle), `tail` after (this one's). */
interface Transition {
  kind: TransitionKind;
  frames: number;
  head: number;
  tail: number;
}

interface Segment {
  members: Member[];
  /** Between members i and i+1. */
  transitions: Transition[];
  startF: number;
  endF: number;
}

/** Speech spans per volume filter of speech ducking (ffmpeg's expressions hold fewer than a hundred terms). */
const SPANS_PER_VOLUME = 40;
const TRANSITION_KINDS: ReadonlySet<string> = new Set(['fade', 'fadeblack', 'wipeleft', 'wiperight', 'slideleft', 'slideright', 'dissolve']);
const MIN_SPEED = 0.01;
const MAX_SPEED = 100;

class GraphBuilder {
  readonly inputs: RenderInput[] = [];
  readonly chains: string[] = [];
  readonly warnings: string[] = [];
  readonly fps: number;
  readonly fpsStr: string;
  readonly W: number;
  readonly H: number;
  /** Canvas pixels per timeline pixel. */
  readonly kx: number;
  readonly ky: number;
  readonly frames: number;
  readonly samples: number;
  /** First timeline frame rendered. */
  readonly r0: number;
  readonly r1: number;
  private readonly tracks: TrackSnapshot[];
  private readonly placed: Placed[];
  private readonly segmentsByTrack = new Map<string, Segment[]>();
  private labels = 0;
  private readonly memberInputs = new Map<Member, { v?: number; a?: number }>();

  constructor(
    private readonly snapshot: TimelineSnapshot,
    private readonly sources: Record<string, RenderSource>,
    private readonly opts: RenderGraphOptions
  ) {
    this.W = evenSize(opts.width, 1920);
    this.H = evenSize(opts.height, 1080);
    const fps = finite(opts.fps, 30) > 0 ? clamp(opts.fps, 1, 240) : 30;
    this.fpsStr = fpsString(fps);
    // NTSC rates are computed with ffmpeg's exact rational, so frame and sample positions agree with it.
    const [numer, denom] = this.fpsStr.split('/').map(Number);
    this.fps = denom ? numer! / denom : fps;
    const settings = snapshot?.settings;
    this.kx = this.W / (finite(settings?.width, 0) > 0 ? settings.width : this.W);
    this.ky = this.H / (finite(settings?.height, 0) > 0 ? settings.height : this.H);

    const tracks = Array.isArray(snapshot?.tracks) ? snapshot.tracks.filter((t) => t && typeof t.id === 'string') : [];
    // By order, bottom first; a stable sort keeps the array's order for equal keys.
    this.tracks = tracks
      .map((t, i) => ({ t, i }))
      .sort((a, b) => (String(a.t.order) < String(b.t.order) ? -1 : String(a.t.order) > String(b.t.order) ? 1 : a.i - b.i))
      .map(({ t }) => t);
    this.placed = this.placeClips();

    const contentEnd = this.placed.reduce((end, p) => Math.max(end, p.endF), 0);
    const total = contentEnd > 0 ? contentEnd : Math.round(this.fps);
    let r0 = 0;
    let r1 = total;
    if (opts.range && Number.isFinite(opts.range.start) && Number.isFinite(opts.range.end)) {
      r0 = clamp(this.frameOf(opts.range.start), 0, total - 1);
      r1 = clamp(this.frameOf(opts.range.end), r0 + 1, total);
    }
    this.r0 = r0;
    this.r1 = r1;
    this.frames = r1 - r0;
    this.samples = this.sampleOf(r1) - this.sampleOf(r0);
    this.buildSegments();
  }

  private frameOf(t: number): number {
    return Math.round(t * this.fps + 1e-7);
  }

  private sampleOf(frame: number): number {
    return Math.round((frame * RENDER_SAMPLE_RATE) / this.fps);
  }

  private sec(frames: number): number {
    return frames / this.fps;
  }

  private label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  // -- Which clips play, where --------------------------------------------------------------------------------

  private placeClips(): Placed[] {
    const trackById = new Map(this.tracks.map((t) => [t.id, t]));
    const clips = Array.isArray(this.snapshot?.clips) ? this.snapshot.clips : [];
    const placed: Placed[] = [];
    for (const clip of clips) {
      if (!clip || typeof clip.id !== 'string') continue;
      const track = trackById.get(clip.trackId);
      if (!track) {
        this.warnings.push(`Clip ${clip.id} is on a track that does not exist; skipped.`);
        continue;
      }
      const start = finite(clip.start, NaN);
      const cin = finite(clip.in, NaN);
      const cout = finite(clip.out, NaN);
      if (!Number.isFinite(start) || !Number.isFinite(cin) || !Number.isFinite(cout) || cout <= cin) {
        this.warnings.push(`Clip ${clip.id} has no valid in/out/start; skipped.`);
        continue;
      }
      const speed = clamp(finite(clip.speed, 1) > 0 ? clip.speed : 1, MIN_SPEED, MAX_SPEED);
      const isTitle = clip.assetId === null || clip.assetId === undefined;
      let source: RenderSource | null = null;
      if (isTitle) {
        if (!clip.title || typeof clip.title.text !== 'string' || !clip.title.text.trim()) {
          if (clip.title) this.warnings.push(`Title ${clip.id} has no text; skipped.`);
          else this.warnings.push(`Clip ${clip.id} has neither an asset nor a title; skipped.`);
          continue;
        }
      } else {
        source = this.sources?.[clip.assetId as string] ?? null;
        if (!source || typeof source.input !== 'string' || !source.input) {
          this.warnings.push(`Clip ${clip.id}: source ${clip.assetId} is missing; skipped.`);
          continue;
        }
        if (!source.hasVideo && !source.hasAudio) {
          this.warnings.push(`Clip ${clip.id}: source ${clip.assetId} has neither picture nor sound; skipped.`);
          continue;
        }
        if (!source.still && !(finite(source.duration, 0) > 0)) {
          this.warnings.push(`Clip ${clip.id}: source ${clip.assetId} has no duration; skipped.`);
          continue;
        }
        if (!source.still && cin >= source.duration) {
          this.warnings.push(`Clip ${clip.id} starts after the end of its source; skipped.`);
          continue;
        }
        if (!source.still && cout > source.duration + 1 / this.fps) {
          this.warnings.push(`Clip ${clip.id} plays past the end of its source; the last frame is held.`);
        }
      }
      const startF = this.frameOf(start);
      const endF = this.frameOf(start + (cout - cin) / speed);
      if (endF <= startF) {
        this.warnings.push(`Clip ${clip.id} is shorter than a frame; skipped.`);
        continue;
      }
      const unlimited = Number.MAX_SAFE_INTEGER;
      const tailHandleF = !source || source.still ? unlimited : Math.max(0, Math.floor(((source.duration - cout) / speed) * this.fps + 1e-6));
      const headHandleF = !source || source.still ? unlimited : Math.max(0, Math.floor((Math.max(0, cin) / speed) * this.fps + 1e-6));
      placed.push({ clip, track, source, speed, startF, endF: Math.max(endF, startF + 1), tailHandleF, headHandleF, hasIncoming: false, hasOutgoing: false });
    }
    return placed;
  }

  /** Per track: clips in time order, joined into segments by the transitions that fit. */
  private buildSegments(): void {
    const transitions = Array.isArray(this.snapshot?.transitions) ? this.snapshot.transitions : [];
    const byTrack = new Map<string, Placed[]>();
    for (const p of this.placed) {
      if (!byTrack.has(p.track.id)) byTrack.set(p.track.id, []);
      byTrack.get(p.track.id)!.push(p);
    }
    const placedById = new Map(this.placed.map((p) => [p.clip.id, p]));
    /** Accepted transition frames (total) keyed by the clip it leaves. */
    const outgoing = new Map<string, Transition>();
    for (const list of byTrack.values()) list.sort((a, b) => a.startF - b.startF || a.endF - b.endF);

    for (const tr of transitions) {
      if (!tr) continue;
      const a = placedById.get(tr.fromClipId);
      const b = placedById.get(tr.toClipId);
      if (!a || !b) {
        this.warnings.push(`Transition ${tr.id}: a clip it joins is not rendered; skipped.`);
        continue;
      }
      if (a.track.id !== b.track.id || !a.source || !b.source) {
        this.warnings.push(`Transition ${tr.id} does not join two media clips of one track; skipped.`);
        continue;
      }
      const list = byTrack.get(a.track.id)!;
      if (a.endF !== b.startF || list[list.indexOf(a) + 1] !== b) {
        this.warnings.push(`Transition ${tr.id}: its clips are not adjacent; skipped.`);
        continue;
      }
      if (outgoing.has(a.clip.id) || b.hasIncoming) {
        this.warnings.push(`Transition ${tr.id} duplicates another on the same cut; skipped.`);
        continue;
      }
      a.hasOutgoing = true;
      b.hasIncoming = true;
      // Centred on the cut: half the duration on each side (the odd frame after the cut), each half limited by the
      // handle it eats into and by half of either clip, so a clip's incoming and outgoing transitions never overlap.
      const wanted = Math.round(finite(tr.duration, 0) * this.fps);
      let tail = Math.min(Math.ceil(wanted / 2), a.tailHandleF, Math.floor((a.endF - a.startF) / 2));
      let head = Math.min(Math.floor(wanted / 2), b.headHandleF, Math.floor((b.endF - b.startF) / 2));
      // Still centred when one side is short: the other gives up the same.
      tail = Math.min(tail, head + 1);
      head = Math.min(head, tail);
      if (tail + head < 2) {
        if (wanted >= 2) this.warnings.push(`Transition ${tr.id}: no source handles to overlap; it is a cut.`);
        continue;
      }
      if (tail + head < wanted) this.warnings.push(`Transition ${tr.id} shortened to ${num((tail + head) / this.fps)} s (handles).`);
      // Outside the rendered range it changes nothing visible: drop it so the clips can be cut at the range.
      if (a.endF + tail <= this.r0 || a.endF - head >= this.r1) continue;
      const kind = TRANSITION_KINDS.has(tr.kind) ? tr.kind : 'fade';
      outgoing.set(a.clip.id, { kind, frames: tail + head, tail, head });
    }

    for (const [trackId, list] of byTrack) {
      const segments: Segment[] = [];
      let current: Segment | null = null;
      let pendingHead = 0;
      for (const p of list) {
        const member: Member = { p, headExt: pendingHead, tailExt: 0 };
        if (current && pendingHead > 0) {
          current.members.push(member);
        } else {
          current = { members: [member], transitions: [], startF: p.startF, endF: p.endF };
          segments.push(current);
        }
        current.endF = p.endF;
        const out = p.source ? outgoing.get(p.clip.id) : undefined;
        if (out) {
          member.tailExt = out.tail;
          current.transitions.push(out);
          pendingHead = out.head;
        } else {
          pendingHead = 0;
        }
      }
      // Only segments that reach into the range.
      this.segmentsByTrack.set(trackId, segments.filter((s) => s.endF > this.r0 && s.startF < this.r1));
    }
  }

  private audible(track: TrackSnapshot): boolean {
    const anySolo = this.tracks.some((t) => t.solo);
    return !track.muted && (!anySolo || track.solo);
  }

  // -- Inputs -------------------------------------------------------------------------------------------------

  /**
   * One input per clip and stream kind, seeked to the first source frame it needs (including handles and the range
   * cut). Picture and sound open the file separately: from one input, whichever the graph pulls first makes ffmpeg
   * decode the other too, and those frames pile up (gigabytes of 1080p frames over a long cut).
   */
  private inputFor(m: Member, kind: 'v' | 'a', headCutF: number, lengthF: number): number {
    const opened = this.memberInputs.get(m) ?? {};
    const existing = opened[kind];
    if (existing !== undefined) return existing;
    const { p } = m;
    const src = p.source!;
    const lengthSec = (this.sec(lengthF) + 0.5) * p.speed;
    let options: string[];
    if (src.still) {
      options = ['-loop', '1', '-framerate', this.fpsStr, '-t', num(this.sec(lengthF) + 1)];
    } else {
      const seek = Math.max(0, finite(p.clip.in, 0) + this.sec(headCutF - m.headExt) * p.speed);
      options = [...(seek > 0 ? ['-ss', num(seek)] : []), '-t', num(lengthSec), kind === 'v' ? '-an' : '-vn'];
    }
    this.inputs.push({ file: src.input, options });
    const index = this.inputs.length - 1;
    this.memberInputs.set(m, { ...opened, [kind]: index });
    return index;
  }

  /** A single-clip segment is decoded only from the range start; members of a transition chain play whole. */
  private memberCut(seg: Segment, m: Member): { headCut: number; length: number } {
    const full = m.headExt + (m.p.endF - m.p.startF) + m.tailExt;
    if (seg.members.length > 1) return { headCut: 0, length: full };
    const headCut = Math.max(0, this.r0 - m.p.startF);
    const tailCut = Math.max(0, m.p.endF - this.r1);
    return { headCut, length: full - headCut - tailCut };
  }

  // -- Video --------------------------------------------------------------------------------------------------

  buildVideo(): string {
    let base: string | null = null;
    for (const track of this.tracks) {
      if (track.hidden || track.kind === 'audio') continue;
      const segments = this.segmentsByTrack.get(track.id) ?? [];
      // Nothing is below the first track that draws: it becomes the canvas itself instead of being overlaid on black.
      if (base === null) {
        if (!segments.some((s) => this.draws(s))) continue;
        const bottom = this.bottomLayer(segments);
        if (bottom) {
          base = bottom;
          continue;
        }
        base = this.blackCanvas(this.frames);
      }
      // A track's clips do not overlap, so drawing them one after another in time order is the track's layer.
      for (const seg of segments) {
        if (!this.draws(seg)) continue;
        const first = seg.members[0]!;
        if (!first.p.source) base = this.drawTitle(base, first.p);
        else if (seg.members.length === 1) base = this.overlaySingle(base, seg, first, this.r0);
        else base = this.overlayChain(base, seg, this.r0);
      }
    }
    const out = 'vout';
    this.chains.push(`[${base ?? this.blackCanvas(this.frames)}]${filter('trim', { end_frame: this.frames })},${filter('setsar', { r: 1 })},${filter('format', { pix_fmts: 'yuv420p' })}[${out}]`);
    return `[${out}]`;
  }

  /** Whether a segment puts anything in the picture. */
  private draws(seg: Segment): boolean {
    const first = seg.members[0]!;
    return !first.p.source || seg.members.some((m) => m.p.source?.hasVideo);
  }

  /** `frames` frames of opaque black at the canvas size, timed from 0. */
  private blackCanvas(frames: number): string {
    const label = this.label('base');
    this.chains.push(
      `${filter('color', { c: 'black', s: `${this.W}x${this.H}`, r: this.fpsStr, d: num(this.sec(frames + 1)) })},` +
        `${filter('format', { pix_fmts: 'yuv420p' })},${filter('trim', { end_frame: frames })}[${label}]`
    );
    return label;
  }

  /**
   * The lowest drawing track as the whole canvas: each segment a full-frame opaque piece (the picture padded with
   * black, or drawn on its own black canvas when it is transformed), gaps black, joined with concat. Saves a
   * full-frame overlay per output frame. null when the track holds titles, which the general path draws.
   */
  private bottomLayer(segments: Segment[]): string | null {
    const pieces: string[] = [];
    let cursor = this.r0;
    for (const seg of segments) {
      if (!seg.members[0]!.p.source) return null;
      if (!this.draws(seg)) continue;
      const from = Math.max(seg.startF, this.r0);
      const to = Math.min(seg.endF, this.r1);
      if (to <= from) continue;
      if (from < cursor) return null;
      if (from > cursor) pieces.push(this.blackCanvas(from - cursor));
      pieces.push(this.segmentPiece(seg, from, to));
      cursor = to;
    }
    if (cursor < this.r1) pieces.push(this.blackCanvas(this.r1 - cursor));
    if (pieces.length === 1) return pieces[0]!;
    const out = this.label('bottom');
    // concat's output counts in microseconds; frames are renumbered so drawtext's t and trim stay frame-exact.
    this.chains.push(
      `${pieces.map((l) => `[${l}]`).join('')}${filter('concat', { n: pieces.length, v: 1, a: 0 })},` +
        `${filter('settb', { expr: this.frameDuration() })},${filter('setpts', { expr: 'N' })}[${out}]`
    );
    return out;
  }

  /** One frame's duration as a rational (settb's expression). */
  private frameDuration(): string {
    const [numer, denom] = this.fpsStr.split('/');
    return denom ? `${denom}/${numer}` : `1/${numer}`;
  }

  /** A segment's frames [from, to) as an opaque full-canvas picture timed from 0. */
  private segmentPiece(seg: Segment, from: number, to: number): string {
    if (seg.members.length > 1) {
      if (seg.members.every((m) => m.p.source?.hasVideo)) return this.chainPicture(seg);
      return this.overlayChain(this.blackCanvas(to - from), seg, from);
    }
    const m = seg.members[0]!;
    if (!this.fillsCanvas(m.p.clip)) return this.overlaySingle(this.blackCanvas(to - from), seg, m, from);
    const { headCut, length } = this.memberCut(seg, m);
    const pic = this.clipPicture(m, headCut, length, true);
    const out = this.label('at');
    this.chains.push(`[${pic}]${filter('setpts', { expr: 'PTS-STARTPTS' })}[${out}]`);
    return out;
  }

  /**
   * Whether the clip alone on black is the picture padded with black: centred, not rotated, fully opaque, nothing
   * keyframed but its sound. Fades to black then need no alpha either.
   */
  private fillsCanvas(c: ClipSnapshot): boolean {
    const kf = c.keyframes ?? {};
    if ((['x', 'y', 'scale', 'rotation', 'opacity'] as const).some((k) => cleanKeyframes(kf[k]).length)) return false;
    const tf = c.transform;
    return finite(c.opacity, 1) >= 1 && finite(tf?.rotation, 0) % 360 === 0 && finite(tf?.x, 0) === 0 && finite(tf?.y, 0) === 0;
  }

  /**
   * The clip's own picture, timed locally (t = 0 at the first frame of its handle, offset by `headCut` frames),
   * cropped, fitted, faded and rotated; keyframed position is left to the overlay. `fill`: padded (or cropped) to the
   * canvas with black, faded to black, for a clip that `fillsCanvas`.
   */
  private clipPicture(m: Member, headCut: number, length: number, fill = false): string {
    const { p } = m;
    const c = p.clip;
    const idx = this.inputFor(m, 'v', headCut, length);
    const out = this.label('clip');
    const f: string[] = [];
    const srcLen = this.sec(length) * p.speed;
    f.push(filter('trim', { duration: num(srcLen + 0.5 / this.fps) }));
    f.push(filter('setpts', { expr: p.speed === 1 ? 'PTS-STARTPTS' : `(PTS-STARTPTS)/${num(p.speed)}` }));
    f.push(filter('fps', { fps: this.fpsStr }));
    // tb is 1/fps after fps: PTS counts frames, so the offset is exact.
    f.push(filter('setpts', { expr: headCut > 0 ? `PTS-STARTPTS+${headCut}` : 'PTS-STARTPTS' }));
    // Short sources hold their last frame; then cut to an exact frame count.
    f.push(filter('tpad', { stop_mode: 'clone', stop_duration: num(this.sec(length) + 1) }));
    f.push(filter('trim', { end_frame: length }));

    const tf = c.transform ?? ({} as ClipSnapshot['transform']);
    const crop = tf.crop ?? { top: 0, right: 0, bottom: 0, left: 0 };
    let l = clamp(finite(crop.left, 0), 0, 0.95);
    let r = clamp(finite(crop.right, 0), 0, 0.95);
    let t = clamp(finite(crop.top, 0), 0, 0.95);
    let b = clamp(finite(crop.bottom, 0), 0, 0.95);
    if (l + r > 0.95) [l, r] = [(l / (l + r)) * 0.95, (r / (l + r)) * 0.95];
    if (t + b > 0.95) [t, b] = [(t / (t + b)) * 0.95, (b / (t + b)) * 0.95];
    if (l || r || t || b) {
      f.push(filter('crop', { w: `iw*${num(1 - l - r)}`, h: `ih*${num(1 - t - b)}`, x: `iw*${num(l)}`, y: `ih*${num(t)}` }));
    }

    const kf = c.keyframes ?? {};
    const time = `(t-${num(this.sec(m.headExt))})`;
    const scaleKf = cleanKeyframes(kf.scale);
    const staticScale = clamp(finite(tf.scale, 1), MIN_SCALE, MAX_SCALE);
    const maxScale = scaleKf.length ? clamp(Math.max(...scaleKf.map((k) => k.value)), MIN_SCALE, MAX_SCALE) : staticScale;
    const fit = `min(${this.W}/(iw*sar),${this.H}/ih)*${num(maxScale)}`;
    f.push(filter('scale', { w: `max(2,trunc(iw*sar*${fit}/2)*2)`, h: `max(2,trunc(ih*${fit}/2)*2)` }));
    f.push(filter('setsar', { r: 1 }));

    const opacityKf = cleanKeyframes(kf.opacity);
    const opacity = clamp(finite(c.opacity, 1), 0, 1);
    const fadeIn = !p.hasIncoming ? clamp(finite(c.fadeIn, 0), 0, this.sec(p.endF - p.startF)) : 0;
    const fadeOut = !p.hasOutgoing ? clamp(finite(c.fadeOut, 0), 0, this.sec(p.endF - p.startF)) : 0;
    const rotKf = cleanKeyframes(kf.rotation);
    const rotation = finite(tf.rotation, 0) % 360;
    if (fill) {
      // On black, fading the picture's alpha and fading its colour to black are the same picture.
      if (fadeIn > 0) f.push(filter('fade', { t: 'in', st: num(this.sec(m.headExt)), d: num(fadeIn) }));
      if (fadeOut > 0) f.push(filter('fade', { t: 'out', st: num(this.sec(m.headExt + p.endF - p.startF) - fadeOut), d: num(fadeOut) }));
      // Larger than the canvas (scale > 1): what overlay would show is the centre.
      if (staticScale > 1) f.push(filter('crop', { w: `min(iw,${this.W})`, h: `min(ih,${this.H})` }));
      f.push(filter('pad', { w: this.W, h: this.H, x: '(ow-iw)/2', y: '(oh-ih)/2', color: 'black' }));
      this.chains.push(`[${idx}:v]${f.join(',')}[${out}]`);
      return out;
    }
    const needsAlpha = opacityKf.length > 0 || opacity < 1 || fadeIn > 0 || fadeOut > 0 || rotKf.length > 0 || rotation !== 0;
    if (needsAlpha) f.push(filter('format', { pix_fmts: 'yuva420p' }));

    if (opacityKf.length) {
      const name = this.label('op');
      f.push(filter('sendcmd', { commands: this.opacitySchedule(opacityKf, m, headCut, length, `lut@${name}`) }));
      f.push(filter(`lut@${name}`, { a: `val*${num(clamp(keyframeValue(opacityKf, this.sec(headCut - m.headExt), 1), 0, 1))}` }));
    } else if (opacity < 1) {
      f.push(filter('lut', { a: `val*${num(opacity)}` }));
    }
    if (fadeIn > 0) f.push(filter('fade', { t: 'in', st: num(this.sec(m.headExt)), d: num(fadeIn), alpha: 1 }));
    if (fadeOut > 0) f.push(filter('fade', { t: 'out', st: num(this.sec(m.headExt + p.endF - p.startF) - fadeOut), d: num(fadeOut), alpha: 1 }));

    if (rotKf.length) {
      const angle = `(${keyframeExpr(rotKf, time)})*PI/180`;
      f.push(filter('rotate', { a: angle, ow: 'hypot(iw,ih)', oh: 'hypot(iw,ih)', c: 'black@0' }));
    } else if (rotation !== 0) {
      const angle = `${num(rotation)}*PI/180`;
      f.push(filter('rotate', { a: angle, ow: `rotw(${angle})`, oh: `roth(${angle})`, c: 'black@0' }));
    }
    if (scaleKf.length) {
      // Last, because only overlay copes with a size that changes from frame to frame.
      const factor = `clip(${keyframeExpr(scaleKf, time)},${MIN_SCALE},${MAX_SCALE})/${num(maxScale)}`;
      f.push(filter('scale', { w: `max(2,trunc(iw*${factor}/2)*2)`, h: `max(2,trunc(ih*${factor}/2)*2)`, eval: 'frame' }));
    }
    this.chains.push(`[${idx}:v]${f.join(',')}[${out}]`);
    return out;
  }

  /** Per-frame `lut` updates (only when the value changes visibly): lut's table cannot depend on time itself. */
  private opacitySchedule(kfs: Keyframe[], m: Member, headCut: number, length: number, target: string): string {
    const entries: string[] = [];
    let last = NaN;
    const from = kfs[0]!.t;
    const to = kfs.at(-1)!.t;
    // Every frame for ordinary spans; long ones are sampled so the schedule stays a few thousand entries.
    const span = Math.min(length, Math.ceil((to - from) * this.fps) + 2);
    const step = Math.max(1, Math.ceil(span / 3000));
    for (let i = headCut; i < headCut + length; i += step) {
      const clipT = this.sec(i - m.headExt);
      if (clipT < from - 1 / this.fps || clipT > to + 1 / this.fps) continue;
      const v = clamp(keyframeValue(kfs, clipT, 1), 0, 1);
      if (Math.abs(v - last) < 0.5 / 255) continue;
      last = v;
      // Half a frame early so rounding never delays it to the next frame.
      entries.push(`${num(Math.max(0, this.sec(i) - 0.5 / this.fps))} ${target} a val*${num(v)}`);
    }
    return entries.length ? entries.join(';') : `0 ${target} a val*${num(clamp(kfs[0]!.value, 0, 1))}`;
  }

  /** Position: the clip's centre offset from the canvas centre by transform x/y (keyframed: per frame). */
  private position(c: ClipSnapshot, time: string): { x: string; y: string } {
    const kf = c.keyframes ?? {};
    const xKf = cleanKeyframes(kf.x);
    const yKf = cleanKeyframes(kf.y);
    const x = xKf.length ? keyframeExpr(xKf, time, this.kx) : num(finite(c.transform?.x, 0) * this.kx);
    const y = yKf.length ? keyframeExpr(yKf, time, this.ky) : num(finite(c.transform?.y, 0) * this.ky);
    return { x: `(main_w-overlay_w)/2+${wrap(x)}`, y: `(main_h-overlay_h)/2+${wrap(y)}` };
  }

  /** A single clip over `base`, whose frame 0 is timeline frame `origin`. */
  private overlaySingle(base: string, seg: Segment, m: Member, origin: number): string {
    const { headCut, length } = this.memberCut(seg, m);
    if (length <= 0) return base;
    const pic = this.clipPicture(m, headCut, length);
    const shifted = this.label('at');
    const at = m.p.startF + headCut - origin;
    this.chains.push(`[${pic}]${filter('setpts', { expr: `PTS-STARTPTS+${at}` })}[${shifted}]`);
    const out = this.label('v');
    const { x, y } = this.position(m.p.clip, `(t-${num(this.sec(m.p.startF - origin))})`);
    this.chains.push(`[${base}][${shifted}]${filter('overlay', { x, y, eof_action: 'pass', eval: 'frame' })}[${out}]`);
    return out;
  }

  /** A transition chain over `base`, whose frame 0 is timeline frame `origin`. */
  private overlayChain(base: string, seg: Segment, origin: number): string {
    const pic = this.chainPicture(seg);
    const shifted = this.label('at');
    this.chains.push(`[${pic}]${filter('setpts', { expr: `PTS-STARTPTS+${Math.max(seg.startF, this.r0) - origin}` })}[${shifted}]`);
    const out = this.label('v');
    this.chains.push(`[${base}][${shifted}]${filter('overlay', { x: 0, y: 0, eof_action: 'pass' })}[${out}]`);
    return out;
  }

  /**
   * The members of a transition chain, each full-canvas on black (a member without picture is transparent), joined
   * by their transitions and cut to the range: the segment's visible frames, timed from 0.
   *
   * xfade works in 4:4:4 only, so a chain of xfades would convert every frame of the segment twice. Instead each
   * member is cut into [incoming overlap | body | outgoing overlap]: xfade sees only the overlaps and the bodies go
   * straight to concat. A member too short for both overlaps (or one without picture) takes the xfade chain.
   */
  private chainPicture(seg: Segment): string {
    const n = seg.members.length;
    const lengths = seg.members.map((m) => this.memberCut(seg, m).length);
    const incoming = (i: number) => (i > 0 ? seg.transitions[i - 1]!.frames : 0);
    const outgoing = (i: number) => (i < n - 1 ? seg.transitions[i]!.frames : 0);
    const bodies = lengths.map((l, i) => l - incoming(i) - outgoing(i));
    const cut = seg.members.every((m) => m.p.source?.hasVideo) && bodies.every((b) => b >= 0);
    const layers = seg.members.map((m, i) => this.memberLayer(m, lengths[i]!));

    let joined: string;
    if (cut) {
      const parts: string[] = [];
      let previousTail: string | null = null;
      for (let i = 0; i < n; i++) {
        const pieces: { from: number; to: number }[] = [];
        if (incoming(i)) pieces.push({ from: 0, to: incoming(i) });
        if (bodies[i]! > 0) pieces.push({ from: incoming(i), to: incoming(i) + bodies[i]! });
        if (outgoing(i)) pieces.push({ from: lengths[i]! - outgoing(i), to: lengths[i]! });
        const labels = pieces.map(() => this.label('part'));
        const sources = pieces.length > 1 ? pieces.map(() => this.label('sp')) : [layers[i]!];
        // Pinned to 4:2:0 so xfade's conversion lands on its own inputs rather than spreading back through split.
        if (pieces.length > 1) {
          this.chains.push(`[${layers[i]}]${filter('format', { pix_fmts: 'yuv420p' })},${filter('split', { outputs: pieces.length })}${sources.map((l) => `[${l}]`).join('')}`);
        }
        pieces.forEach((piece, k) =>
          this.chains.push(`[${sources[k]}]${filter('trim', { start_frame: piece.from, end_frame: piece.to })},${filter('setpts', { expr: 'PTS-STARTPTS' })}[${labels[k]}]`)
        );
        let k = 0;
        if (incoming(i)) {
          const tr = seg.transitions[i - 1]!;
          const out = this.label('xf');
          this.chains.push(
            `[${previousTail}][${labels[k++]}]${filter('xfade', { transition: tr.kind, duration: num(this.sec(tr.frames)), offset: 0 })},` +
              `${filter('format', { pix_fmts: 'yuv420p' })}[${out}]`
          );
          parts.push(out);
        }
        if (bodies[i]! > 0) parts.push(labels[k++]!);
        previousTail = outgoing(i) ? labels[k]! : null;
      }
      joined = this.label('chain');
      this.chains.push(
        `${parts.map((l) => `[${l}]`).join('')}${filter('concat', { n: parts.length, v: 1, a: 0 })},` +
          `${filter('settb', { expr: this.frameDuration() })},${filter('setpts', { expr: 'N' })}[${joined}]`
      );
    } else {
      joined = layers[0]!;
      let accFrames = lengths[0]!;
      for (let i = 1; i < n; i++) {
        const tr = seg.transitions[i - 1]!;
        const out = this.label('xf');
        this.chains.push(
          `[${joined}][${layers[i]}]${filter('xfade', {
            transition: tr.kind,
            duration: num(this.sec(tr.frames)),
            offset: num(this.sec(accFrames - tr.frames))
          })}[${out}]`
        );
        joined = out;
        accFrames += lengths[i]! - tr.frames;
      }
    }
    const headCut = Math.max(0, this.r0 - seg.startF);
    const visible = Math.min(seg.endF, this.r1) - Math.max(seg.startF, this.r0);
    const out = this.label('seg');
    this.chains.push(`[${joined}]${filter('trim', { start_frame: headCut, end_frame: headCut + visible })},${filter('setpts', { expr: 'PTS-STARTPTS' })}[${out}]`);
    return out;
  }

  /** A chain member's whole picture (handles included) on the full canvas, timed from 0. */
  private memberLayer(m: Member, length: number): string {
    if (!m.p.source?.hasVideo) {
      const canvas = this.label('cv');
      this.chains.push(
        `${filter('color', { c: 'black@0', s: `${this.W}x${this.H}`, r: this.fpsStr, d: num(this.sec(length + 1)) })},` +
          `${filter('format', { pix_fmts: 'yuva420p' })},${filter('trim', { end_frame: length })}[${canvas}]`
      );
      return canvas;
    }
    if (this.fillsCanvas(m.p.clip)) return this.clipPicture(m, 0, length, true);
    const pic = this.clipPicture(m, 0, length);
    const layer = this.label('ly');
    const { x, y } = this.position(m.p.clip, `(t-${num(this.sec(m.headExt))})`);
    this.chains.push(`[${this.blackCanvas(length)}][${pic}]${filter('overlay', { x, y, eof_action: 'pass', eval: 'frame', format: 'yuv420' })}[${layer}]`);
    return layer;
  }

  private drawTitle(base: string, p: Placed): string {
    const c = p.clip;
    const style = c.title!;
    const startSec = this.sec(p.startF - this.r0);
    const len = this.sec(p.endF - p.startF);
    const T = `(t-${num(startSec)})`;
    const kf = c.keyframes ?? {};
    const k = Math.min(this.kx, this.ky);
    const scale = clamp(finite(c.transform?.scale, 1), MIN_SCALE, MAX_SCALE);
    const size = Math.max(4, Math.round(clamp(finite(style.size, 64), 1, 2000) * k * scale));

    // Alpha: opacity (or its keyframes) × clip fades × in/out animations.
    const opacityKf = cleanKeyframes(kf.opacity);
    const alphaParts: string[] = [opacityKf.length ? `clip(${keyframeExpr(opacityKf, T)},0,1)` : num(clamp(finite(c.opacity, 1), 0, 1))];
    const fadeIn = clamp(finite(c.fadeIn, 0), 0, len);
    const fadeOut = clamp(finite(c.fadeOut, 0), 0, len);
    if (fadeIn > 0) alphaParts.push(`clip(${T}/${num(fadeIn)},0,1)`);
    if (fadeOut > 0) alphaParts.push(`clip((${num(len)}-${T})/${num(fadeOut)},0,1)`);
    const anim = Math.min(0.5, len / 3);
    const animIn: TitleAnimation = style.animationIn ?? 'none';
    const animOut: TitleAnimation = style.animationOut ?? 'none';
    const pIn = `clip(${T}/${num(anim)},0,1)`;
    const pOut = `clip((${num(len)}-${T})/${num(anim)},0,1)`;
    if (animIn !== 'none') alphaParts.push(pIn);
    if (animOut !== 'none') alphaParts.push(pOut);
    // slide-up: rises into place (ease-out) and, going out, keeps rising (ease-in).
    const slide = Math.round(size * 0.75);
    const yAnim: string[] = [];
    if (animIn === 'slide-up') yAnim.push(`${slide}*(1-${easeExpr('ease-out', pIn)})`);
    if (animOut === 'slide-up') yAnim.push(`-${slide}*(1-${easeExpr('ease-out', pOut)})`);

    const xKf = cleanKeyframes(kf.x);
    const yKf = cleanKeyframes(kf.y);
    const dx = xKf.length ? keyframeExpr(xKf, T, this.kx) : num(finite(c.transform?.x, 0) * this.kx);
    const dy = yKf.length ? keyframeExpr(yKf, T, this.ky) : num(finite(c.transform?.y, 0) * this.ky);
    const fx = clamp(finite(style.x, 0.5), -1, 2);
    const fy = clamp(finite(style.y, 0.5), -1, 2);
    const from = num(this.sec(p.startF - this.r0) - 0.5 / this.fps);
    const to = num(this.sec(p.endF - this.r0) - 0.5 / this.fps);
    const fontFile = (style.font && this.opts.fonts?.[style.font]) || this.opts.fontFile || DEFAULT_FONT_FILE;
    const args: Record<string, ArgValue | undefined> = {
      fontfile: fontFile,
      expansion: 'none',
      fontsize: size,
      fontcolor: ffmpegColor(style.color, 'FFFFFF'),
      x: `w*${num(fx)}-text_w/2+${wrap(dx)}`,
      y: `h*${num(fy)}-text_h/2+${wrap(dy)}${yAnim.map((a) => `+${a}`).join('')}`,
      alpha: `clip(${alphaParts.join('*')},0,1)`,
      enable: `gte(t,${from})*lt(t,${to})`
    };
    if (style.box) {
      args.box = 1;
      args.boxcolor = ffmpegColor(style.box.color, '000000');
      args.boxborderw = Math.max(0, Math.round(finite(style.box.padding, 0) * k * scale));
    }
    // text goes in pre-escaped (both levels, blanks kept); everything else through filter().
    const rest = filter('drawtext', args).slice('drawtext='.length);
    const out = this.label('v');
    this.chains.push(`[${base}]drawtext=text=${escapeDrawtext(style.text)}:${rest}[${out}]`);
    return out;
  }

  // -- Audio --------------------------------------------------------------------------------------------------

  buildAudio(): string {
    const printJson = this.opts.loudnessReport ?? false;
    const n = this.samples;
    const trackStreams: { track: TrackSnapshot; label: string }[] = [];
    for (const track of this.tracks) {
      if (!this.audible(track)) continue;
      const placedLabels: string[] = [];
      for (const seg of this.segmentsByTrack.get(track.id) ?? []) {
        const label = this.segmentAudio(seg);
        if (label) placedLabels.push(label);
      }
      if (!placedLabels.length) continue;
      const out = this.label('tr');
      const mix = placedLabels.length > 1 ? `${filter('amix', { inputs: placedLabels.length, normalize: 0, duration: 'longest', dropout_transition: 0 })},` : '';
      this.chains.push(`${placedLabels.map((l) => `[${l}]`).join('')}${mix}${filter('apad', { whole_len: n })},${filter('atrim', { end_sample: n })}[${out}]`);
      trackStreams.push({ track, label: out });
    }

    // Speech ducking lowers a track by an envelope known ahead of time; level ducking (and speech ducking whose
    // voice has not been through speech detection yet) keys a compressor with the voice track's own sum.
    const duckers = new Map<string, { track: TrackSnapshot; amountDb: number; attack: number; release: number }[]>();
    for (const s of trackStreams) {
      const d = s.track.ducking;
      if (!d || d.byTrackId === s.track.id || !(finite(d.amountDb, 0) > 0)) continue;
      if (!trackStreams.some((v) => v.track.id === d.byTrackId)) continue;
      const duck = {
        track: s.track,
        amountDb: clamp(d.amountDb, 0, 40),
        attack: clamp(finite(d.attack, DUCKING_DEFAULTS.attack), DUCKING_ATTACK_RANGE.min, DUCKING_ATTACK_RANGE.max),
        release: clamp(finite(d.release, DUCKING_DEFAULTS.release), DUCKING_RELEASE_RANGE.min, DUCKING_RELEASE_RANGE.max)
      };
      if (d.mode === 'speech') {
        const spans = this.spokenSpans(s.track, d.byTrackId, duck);
        if (spans) {
          s.label = this.speechDuck(s.label, spans, duck);
          continue;
        }
      }
      if (!duckers.has(d.byTrackId)) duckers.set(d.byTrackId, []);
      duckers.get(d.byTrackId)!.push(duck);
    }
    const sidechains = new Map<string, string[]>();
    for (const s of trackStreams) {
      const ducked = duckers.get(s.track.id);
      if (!ducked) continue;
      const mixLabel = this.label('tr');
      const keys = ducked.map(() => this.label('key'));
      this.chains.push(`[${s.label}]${filter('asplit', { outputs: keys.length + 1 })}[${mixLabel}]${keys.map((k) => `[${k}]`).join('')}`);
      s.label = mixLabel;
      sidechains.set(s.track.id, keys);
    }
    for (const s of trackStreams) {
      const d = s.track.ducking;
      if (!d) continue;
      const keys = sidechains.get(d.byTrackId);
      const idx = duckers.get(d.byTrackId)?.findIndex((x) => x.track.id === s.track.id) ?? -1;
      if (!keys || idx < 0) continue;
      const duck = duckers.get(d.byTrackId)![idx]!;
      const key = this.label('keyn');
      // The key is made level-independent first: a gate drops the voice's noise floor, then +40 dB into a hard
      // limiter turns any speech into a steady ~-16 dBFS (RMS). With ratio 20 the other track then drops by about
      // amountDb while the voice has sound, whatever its level.
      this.chains.push(
        `[${keys[idx]}]${filter('agate', { threshold: 0.003, range: 0.001, attack: 5, release: 150 })},` +
          `${filter('volume', { volume: '40dB', precision: 'float' })},${filter('alimiter', { limit: 0.25, attack: 5, release: 50, level: 'false' })}[${key}]`
      );
      const keyDb = -16;
      const thresholdDb = clamp(keyDb - (duck.amountDb * 20) / 19, -59, -1);
      const out = this.label('tr');
      this.chains.push(
        `[${s.label}][${key}]${filter('sidechaincompress', {
          threshold: num(10 ** (thresholdDb / 20)),
          ratio: 20,
          attack: num(duck.attack * 1000),
          release: num(duck.release * 1000),
          knee: 2
        })}[${out}]`
      );
      s.label = out;
    }

    let mixed: string;
    if (!trackStreams.length) {
      mixed = this.label('mix');
      this.chains.push(`${filter('anullsrc', { r: RENDER_SAMPLE_RATE, cl: 'stereo' })},${filter('atrim', { end_sample: n })}[${mixed}]`);
    } else if (trackStreams.length === 1) {
      mixed = trackStreams[0]!.label;
    } else {
      mixed = this.label('mix');
      this.chains.push(
        `${trackStreams.map((s) => `[${s.label}]`).join('')}${filter('amix', { inputs: trackStreams.length, normalize: 0, duration: 'longest', dropout_transition: 0 })}[${mixed}]`
      );
    }

    const tail: string[] = [];
    const target = this.opts.loudnessTarget;
    // Silence stays silence: loudnorm has nothing to measure.
    if (target !== undefined && Number.isFinite(target) && trackStreams.length) {
      const m = this.opts.loudnessMeasured;
      const I = clamp(target, -70, -5);
      if (m === null) {
        // Measured as silence: nothing to normalize.
      } else if (m && linearGain(m, I) !== null) {
        // What loudnorm's linear mode would do, without its 192 kHz true-peak resampling: a plain gain.
        tail.push(filter('volume', { volume: `${num(linearGain(m, I)!)}dB`, precision: 'float' }));
      } else if (m && [m.inputI, m.inputTp, m.inputLra, m.inputThresh, m.targetOffset].every(Number.isFinite)) {
        tail.push(
          filter('loudnorm', {
            I: num(I),
            TP: num(WEB_LOUDNESS.truePeakDbtp),
            // Linear (a plain gain) needs a target range at least the measured one; otherwise loudnorm compresses.
            LRA: num(clamp(Math.max(WEB_LOUDNESS.lra, Math.ceil(m.inputLra + 1)), 1, 50)),
            measured_I: num(clamp(m.inputI, -99, 0)),
            measured_TP: num(clamp(m.inputTp, -99, 99)),
            measured_LRA: num(clamp(m.inputLra, 0, 99)),
            measured_thresh: num(clamp(m.inputThresh, -99, 0)),
            offset: num(clamp(m.targetOffset, -99, 99)),
            linear: 'true',
            print_format: printJson ? 'json' : undefined
          })
        );
      } else {
        tail.push(filter('loudnorm', { I: num(I), TP: num(WEB_LOUDNESS.truePeakDbtp), LRA: num(WEB_LOUDNESS.lra), print_format: printJson ? 'json' : undefined }));
      }
      // loudnorm works at 192 kHz internally.
      if (tail.at(-1)?.startsWith('loudnorm')) tail.push(filter('aresample', { out_sample_rate: RENDER_SAMPLE_RATE }));
    }
    tail.push(filter('aformat', { sample_fmts: 'fltp', sample_rates: RENDER_SAMPLE_RATE, channel_layouts: 'stereo' }));
    tail.push(filter('apad', { whole_len: n }), filter('atrim', { end_sample: n }));
    const out = 'aout';
    this.chains.push(`[${mixed}]${tail.join(',')}[${out}]`);
    return `[${out}]`;
  }

  /**
   * Where the voice track speaks in this render (timeline seconds), or null when some of its clips' media has not
   * been through speech detection: that track then ducks by level, and a warning says why.
   */
  private spokenSpans(track: TrackSnapshot, voiceTrackId: string, ramps: { attack: number; release: number }): TimeSpan[] | null {
    const clips = this.placed.filter((p) => p.track.id === voiceTrackId && p.source?.hasAudio).map((p) => p.clip);
    const speech: Record<string, readonly TimeSpan[]> = {};
    for (const c of clips) {
      const found = c.assetId ? this.sources[c.assetId]?.speech : null;
      if (c.assetId && Array.isArray(found)) speech[c.assetId] = found;
    }
    const missing = assetsWithoutSpeech(clips, speech);
    if (missing.length) {
      const voice = this.tracks.find((t) => t.id === voiceTrackId)?.name ?? voiceTrackId;
      this.warnings.push(`${track.name} ducks by level under ${voice}: speech detection has not run on ${missing.length} of its media files yet.`);
      return null;
    }
    return speechSpans(clips, speech, ramps);
  }

  /**
   * The track lowered by amountDb over each span, ramping down over `attack` before it and up over `release` after
   * (the model's duckDepthAt as an expression: merged spans are at least attack + release apart, so the ramps never
   * overlap and their sum is the depth). 10 ms frames keep the per-frame gain steps small.
   */
  private speechDuck(label: string, spans: readonly TimeSpan[], duck: { amountDb: number; attack: number; release: number }): string {
    const offset = this.sec(this.r0);
    const length = this.sec(this.frames);
    const ramps = spans.map((s) => ({ down: s.start - duck.attack - offset, up: s.end + duck.release - offset })).filter((s) => s.up > 0 && s.down < length);
    if (!ramps.length) return label;
    // ffmpeg's expression parser refuses a sum of about a hundred terms: one volume filter per run of spans, each
    // evaluating its terms only inside its own stretch of time.
    const volumes: string[] = [];
    for (let i = 0; i < ramps.length; i += SPANS_PER_VOLUME) {
      const run = ramps.slice(i, i + SPANS_PER_VOLUME);
      const terms = run.map((s) => `clip(min((t-${wrap(num(s.down))})*${num(1 / duck.attack)},(${num(s.up)}-t)*${num(1 / duck.release)}),0,1)`);
      const gain = `if(between(t,${num(run[0]!.down)},${num(run.at(-1)!.up)}),pow(10,${num(-duck.amountDb / 20)}*(${terms.join('+')})),1)`;
      volumes.push(filter('volume', { volume: gain, eval: 'frame', precision: 'float' }));
    }
    const out = this.label('tr');
    this.chains.push(`[${label}]${filter('asetnsamples', { n: RENDER_SAMPLE_RATE / 100, p: 0 })},${volumes.join(',')}[${out}]`);
    return out;
  }

  /** One segment's sound, placed on the output timeline; null when it has none. */
  private segmentAudio(seg: Segment): string | null {
    if (!seg.members.some((m) => m.p.source?.hasAudio)) return null;
    if (seg.members.length === 1) {
      const m = seg.members[0]!;
      const { headCut, length } = this.memberCut(seg, m);
      if (length <= 0) return null;
      const startF = m.p.startF + headCut;
      const pcm = this.clipSound(m, headCut, startF, startF + length);
      return this.delay(pcm, this.sampleOf(startF) - this.sampleOf(this.r0));
    }
    // Transition chain: every member as long as it plays (with handles), silent where it has no sound, acrossfaded.
    const parts: { label: string; samples: number; startF: number }[] = [];
    for (const m of seg.members) {
      const from = m.p.startF - m.headExt;
      const to = m.p.endF + m.tailExt;
      const samples = this.sampleOf(to) - this.sampleOf(from);
      if (m.p.source?.hasAudio) {
        parts.push({ label: this.clipSound(m, 0, from, to), samples, startF: from });
      } else {
        const silent = this.label('sil');
        this.chains.push(`${filter('anullsrc', { r: RENDER_SAMPLE_RATE, cl: 'stereo' })},${filter('atrim', { end_sample: samples })},${filter('aformat', { sample_fmts: 'fltp' })}[${silent}]`);
        parts.push({ label: silent, samples, startF: from });
      }
    }
    let acc = parts[0]!.label;
    for (let i = 1; i < parts.length; i++) {
      const tr = seg.transitions[i - 1]!;
      const cut = seg.members[i]!.p.startF;
      const ns = this.sampleOf(cut + tr.tail) - this.sampleOf(cut - tr.head);
      const out = this.label('axf');
      this.chains.push(`[${acc}][${parts[i]!.label}]${filter('acrossfade', { ns, c1: 'tri', c2: 'tri' })}[${out}]`);
      acc = out;
    }
    const visibleFrom = Math.max(seg.startF, this.r0);
    const visibleTo = Math.min(seg.endF, this.r1);
    const cutHead = this.sampleOf(visibleFrom) - this.sampleOf(seg.startF);
    const keep = this.sampleOf(visibleTo) - this.sampleOf(visibleFrom);
    const trimmed = this.label('as');
    this.chains.push(`[${acc}]${filter('atrim', { start_sample: cutHead, end_sample: cutHead + keep })},${filter('asetpts', { expr: 'N/SR/TB' })}[${trimmed}]`);
    return this.delay(trimmed, this.sampleOf(visibleFrom) - this.sampleOf(this.r0));
  }

  private delay(label: string, samples: number): string {
    if (samples <= 0) return label;
    const out = this.label('ad');
    this.chains.push(`[${label}]${filter('adelay', { delays: `${samples}S`, all: 1 })}[${out}]`);
    return out;
  }

  /**
   * The clip's sound between timeline frames [fromF, toF), timed locally like its picture (t = 0 at the first
   * handle sample), with speed, volume (keyframes) and fades, exactly as many samples as those frames span.
   */
  private clipSound(m: Member, headCut: number, fromF: number, toF: number): string {
    const { p } = m;
    const c = p.clip;
    const length = toF - fromF;
    const idx = this.inputFor(m, 'a', headCut, length);
    const samples = this.sampleOf(toF) - this.sampleOf(fromF);
    const sr = RENDER_SAMPLE_RATE;
    const f: string[] = [];
    f.push(filter('atrim', { duration: num(this.sec(length) * p.speed + 0.05) }));
    f.push(filter('asetpts', { expr: 'PTS-STARTPTS' }));
    f.push(filter('aresample', { out_sample_rate: sr }));
    f.push(filter('aformat', { sample_fmts: 'fltp', sample_rates: sr, channel_layouts: 'stereo' }));
    for (const factor of atempoChain(p.speed)) f.push(filter('atempo', { tempo: num(factor) }));
    // Local time (for volume keyframes and fades) in exact samples.
    const offset = Math.round((headCut * sr) / this.fps);
    f.push(filter('asetpts', { expr: offset > 0 ? `(N+${offset})/SR/TB` : 'N/SR/TB' }));

    const volKf = cleanKeyframes(c.keyframes?.volume);
    const time = `(t-${num(this.sec(m.headExt))})`;
    if (volKf.length) {
      f.push(filter('volume', { volume: `max(0,${keyframeExpr(volKf, time)})`, eval: 'frame', precision: 'float' }));
    } else {
      const vol = Math.max(0, finite(c.volume, 1));
      if (vol !== 1) f.push(filter('volume', { volume: num(vol), precision: 'float' }));
    }
    const len = this.sec(p.endF - p.startF);
    const fadeIn = !p.hasIncoming ? clamp(finite(c.fadeIn, 0), 0, len) : 0;
    const fadeOut = !p.hasOutgoing ? clamp(finite(c.fadeOut, 0), 0, len) : 0;
    if (fadeIn > 0) f.push(filter('afade', { t: 'in', st: num(this.sec(m.headExt)), d: num(fadeIn) }));
    if (fadeOut > 0) f.push(filter('afade', { t: 'out', st: num(this.sec(m.headExt) + len - fadeOut), d: num(fadeOut) }));
    f.push(filter('apad', { whole_len: samples }), filter('atrim', { end_sample: samples }), filter('asetpts', { expr: 'N/SR/TB' }));
    const out = this.label('snd');
    this.chains.push(`[${idx}:a]${f.join(',')}[${out}]`);
    return out;
  }
}

/**
 * The gain (dB) that brings a first-pass measurement to `targetLufs` when that is all loudnorm's linear mode would do:
 * the true peak stays under WEB_LOUDNESS.truePeakDbtp. null when it would limit (or the measurement is not one).
 */
export function linearGain(m: LoudnormMeasurement, targetLufs: number): number | null {
  if (![m.inputI, m.inputTp].every(Number.isFinite) || m.inputI <= -70) return null;
  const gain = targetLufs - m.inputI;
  return m.inputTp + gain <= WEB_LOUDNESS.truePeakDbtp ? gain : null;
}

/** atempo factors (each within 0.5…2 for quality) whose product is `speed`. */
export function atempoChain(speed: number): number[] {
  if (!(speed > 0) || Math.abs(speed - 1) < 1e-9) return [];
  const factors: number[] = [];
  let rest = speed;
  while (rest > 2) {
    factors.push(2);
    rest /= 2;
  }
  while (rest < 0.5) {
    factors.push(0.5);
    rest /= 0.5;
  }
  if (Math.abs(rest - 1) > 1e-9) factors.push(rest);
  return factors;
}

function evenSize(x: number, fallback: number): number {
  const v = finite(x, fallback);
  return Math.max(2, 2 * Math.round(clamp(v, 2, 8192) / 2));
}

/** Parenthesize a signed term so "a+(-3)" stays one expression. */
function wrap(expr: string): string {
  return `(${expr})`;
}
