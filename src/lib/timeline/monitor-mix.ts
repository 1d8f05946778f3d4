import type { AssetJson, VariantJson } from '$lib/asset';
import { MAX_SCALE, MIN_SCALE } from '$lib/editor/model/timeline/clip';
import { ease } from '$lib/editor/model/timeline/keyframes';
import { clipDuration, clipEnd, type ClipSnapshot, type TimelineSnapshot, type TitleStyle, type TrackSnapshot } from '$lib/editor/model/timeline/snapshot';
import { keyframeValue } from '$lib/editor/render/filter-graph';
import { variant } from '$lib/library/format';

/**
 * What the live program monitor plays at timeline time `t`, as plain data: the picture (the top visible video clip),
 * one sound per audio and video track (clip, source time, gain) and the titles to draw over the picture. The numbers
 * follow the renderer (filter-graph.ts) closely enough to preview the cut; the exact preview renders it for real.
 */

/** Frame-edge slack: a clip that ends at t is not under the playhead, one that starts there is. */
const EPS = 1e-6;

/** The clip of `trackId` under time `t`, if any. */
export function clipAt(snapshot: TimelineSnapshot, trackId: string, t: number): ClipSnapshot | undefined {
  return snapshot.clips.find((c) => c.trackId === trackId && c.start <= t + EPS && t < clipEnd(c) - EPS);
}

/** Where in its source the clip is at timeline time `t`. */
export const sourceTime = (clip: Pick<ClipSnapshot, 'start' | 'in' | 'speed'>, t: number) => clip.in + (t - clip.start) * clip.speed;

/** The web copy a browser plays for a clip's picture: the video proxy. */
export function pictureVariant(asset: AssetJson | undefined): VariantJson | null {
  return asset?.kind === 'video' ? (variant(asset, 'proxy') ?? null) : null;
}

/** The web copy a browser plays for a clip's sound: an audio asset's broadcast MP3, a video's proxy; images have none. */
export function soundVariant(asset: AssetJson | undefined): VariantJson | null {
  if (asset?.kind === 'audio') return variant(asset, 'broadcast') ?? null;
  return pictureVariant(asset);
}

/** Heard in the mix: not muted and, when any track is solo, solo itself (hidden tracks still sound, as in the render). */
export function audible(tracks: readonly TrackSnapshot[], track: TrackSnapshot): boolean {
  const anySolo = tracks.some((t) => t.solo);
  return !track.muted && (!anySolo || track.solo);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const finite = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/**
 * The clip's linear gain at timeline time `t`: its volume (or volume keyframes) times its fades, which, as in the
 * render, a transition on that side replaces. May exceed 1 (a media element can only play up to 1).
 */
export function clipGain(snapshot: Pick<TimelineSnapshot, 'transitions'>, clip: ClipSnapshot, t: number): number {
  const local = t - clip.start;
  const len = clipDuration(clip);
  const keys = clip.keyframes?.volume ?? [];
  let gain = Math.max(0, keys.length ? keyframeValue(keys, local, 1) : finite(clip.volume, 1));
  const incoming = snapshot.transitions.some((tr) => tr.toClipId === clip.id);
  const outgoing = snapshot.transitions.some((tr) => tr.fromClipId === clip.id);
  const fadeIn = incoming ? 0 : clamp(finite(clip.fadeIn, 0), 0, len);
  const fadeOut = outgoing ? 0 : clamp(finite(clip.fadeOut, 0), 0, len);
  if (fadeIn > 0) gain *= clamp(local / fadeIn, 0, 1);
  if (fadeOut > 0) gain *= clamp((len - local) / fadeOut, 0, 1);
  return gain;
}

export interface TrackSound {
  track: TrackSnapshot;
  /** The clip under the playhead with something to hear, or null (a gap, a title, an image). */
  clip: ClipSnapshot | null;
  asset: AssetJson | null;
  /** What to play: see `soundVariant`. */
  variant: VariantJson | null;
  /** Source seconds at `t`. */
  time: number;
  /** Linear gain of the clip at `t` (0 in a gap). */
  gain: number;
  /** Whether the track is heard at all (mute and solo). */
  audible: boolean;
}

/** One entry per audio and video track, bottom to top: what each sounds like at timeline time `t`. */
export function soundsAt(snapshot: TimelineSnapshot, assets: Record<string, AssetJson>, t: number): TrackSound[] {
  const out: TrackSound[] = [];
  for (const track of snapshot.tracks) {
    if (track.kind === 'title') continue;
    const heard = audible(snapshot.tracks, track);
    const clip = clipAt(snapshot, track.id, t);
    const asset = clip?.assetId ? (assets[clip.assetId] ?? null) : null;
    const v = soundVariant(asset ?? undefined);
    if (!clip || !asset || !v) {
      out.push({ track, clip: null, asset: null, variant: null, time: 0, gain: 0, audible: heard });
      continue;
    }
    out.push({ track, clip, asset, variant: v, time: sourceTime(clip, t), gain: clipGain(snapshot, clip, t), audible: heard });
  }
  return out;
}

export interface Picture {
  track: TrackSnapshot;
  clip: ClipSnapshot;
  asset: AssetJson;
  variant: VariantJson;
  time: number;
}

/** The top visible video clip at `t` that has a proxy to show (titles are drawn over it separately). */
export function pictureAt(snapshot: TimelineSnapshot, assets: Record<string, AssetJson>, t: number): Picture | null {
  for (const track of [...snapshot.tracks].reverse()) {
    if (track.kind !== 'video' || track.hidden) continue;
    const clip = clipAt(snapshot, track.id, t);
    const asset = clip?.assetId ? assets[clip.assetId] : undefined;
    const v = pictureVariant(asset);
    if (clip && asset && v) return { track, clip, asset, variant: v, time: sourceTime(clip, t) };
  }
  return null;
}

export interface TitleLayer {
  clip: ClipSnapshot;
  style: TitleStyle;
  /** Font size in canvas pixels (style size × clip scale). */
  size: number;
  /** 0..1: opacity × fades × fade / slide animations. */
  alpha: number;
  /** Offset of the text's centre from (style.x, style.y), canvas pixels (position, keyframes, slide-up). */
  dx: number;
  dy: number;
  /** Box padding in canvas pixels. */
  padding: number;
}

/**
 * The titles at `t`, bottom to top, on visible tracks, with the renderer's alpha and motion: animations take the
 * first / last min(0.5 s, a third of the clip); slide-up rises by ¾ of the font size (ease-out in, and on out).
 */
export function titlesAt(snapshot: TimelineSnapshot, t: number): TitleLayer[] {
  const out: TitleLayer[] = [];
  for (const track of snapshot.tracks) {
    if (track.hidden || track.kind === 'audio') continue;
    const clip = clipAt(snapshot, track.id, t);
    const style = clip?.title;
    if (!clip || clip.assetId || !style || typeof style.text !== 'string' || !style.text.trim()) continue;
    const local = t - clip.start;
    const len = clipDuration(clip);
    const kf = clip.keyframes ?? {};
    const scale = clamp(finite(clip.transform?.scale, 1), MIN_SCALE, MAX_SCALE);
    const size = clamp(finite(style.size, 64), 1, 2000) * scale;

    let alpha = kf.opacity?.length ? clamp(keyframeValue(kf.opacity, local, 1), 0, 1) : clamp(finite(clip.opacity, 1), 0, 1);
    const fadeIn = clamp(finite(clip.fadeIn, 0), 0, len);
    const fadeOut = clamp(finite(clip.fadeOut, 0), 0, len);
    if (fadeIn > 0) alpha *= clamp(local / fadeIn, 0, 1);
    if (fadeOut > 0) alpha *= clamp((len - local) / fadeOut, 0, 1);
    const anim = Math.min(0.5, len / 3);
    const pIn = anim > 0 ? clamp(local / anim, 0, 1) : 1;
    const pOut = anim > 0 ? clamp((len - local) / anim, 0, 1) : 1;
    const animIn = style.animationIn ?? 'none';
    const animOut = style.animationOut ?? 'none';
    if (animIn !== 'none') alpha *= pIn;
    if (animOut !== 'none') alpha *= pOut;

    const slide = size * 0.75;
    let dy = kf.y?.length ? keyframeValue(kf.y, local, 0) : finite(clip.transform?.y, 0);
    if (animIn === 'slide-up') dy += slide * (1 - ease('ease-out', pIn));
    if (animOut === 'slide-up') dy -= slide * (1 - ease('ease-out', pOut));
    const dx = kf.x?.length ? keyframeValue(kf.x, local, 0) : finite(clip.transform?.x, 0);
    const padding = style.box ? Math.max(0, finite(style.box.padding, 0)) * scale : 0;
    out.push({ clip, style, size, alpha: clamp(alpha, 0, 1), dx, dy, padding });
  }
  return out;
}
