/**
 * Copied clips on the system clipboard: `copyClips`' plain data as JSON with our marker, under our own MIME type and
 * as text (so a paste in another tab of the project finds it). What comes back from the clipboard may be anything a
 * page or person put there, so it is parsed as hostile: records are checked with the model's schemas and bounded.
 */
import { z } from 'zod';
import { clipSchema } from '$lib/editor/model/timeline/clip';
import type { TimelineClipboard } from '$lib/editor/model/timeline/operations';
import { clipEnd, type ClipSnapshot, type TransitionSnapshot } from '$lib/editor/model/timeline/snapshot';
import { TRACK_KINDS, trackAccepts } from '$lib/editor/model/timeline/track';
import { transitionSchema } from '$lib/editor/model/timeline/transition';

/** Our clipboard format (Chromium and Firefox carry custom types between tabs of one browser). */
export const CLIPBOARD_MIME = 'application/x-airstudio-clips';
const MARKER = 'airstudio.timeline-clips';
const VERSION = 1;
/** Beyond these a clipboard is not something this editor copied. */
export const MAX_CLIPBOARD_CLIPS = 500;
const MAX_CLIPBOARD_CHARS = 4_000_000;
const MAX_TRACK_SPAN = 100;

const payloadSchema = z.object({
  marker: z.literal(MARKER),
  version: z.literal(VERSION),
  projectId: z.string().max(64),
  clips: z
    .array(z.object({ clip: clipSchema, track: z.number().int().min(0).max(MAX_TRACK_SPAN), kind: z.enum(TRACK_KINDS) }))
    .min(1)
    .max(MAX_CLIPBOARD_CLIPS),
  transitions: z.array(transitionSchema).max(MAX_CLIPBOARD_CLIPS)
});

/** The JSON put on the clipboard for `clipboard`, copied in project `projectId`. */
export function encodeClipboard(clipboard: TimelineClipboard, projectId: string): string {
  return JSON.stringify({ marker: MARKER, version: VERSION, projectId, clips: clipboard.clips, transitions: clipboard.transitions });
}

export type ParsedClipboard = { ok: true; clipboard: TimelineClipboard } | { ok: false; reason: string };

/**
 * Clips from clipboard text: null when the text is not ours at all (someone copied a sentence), a refusal when it
 * is ours but unusable here, else the clipboard to paste with times and ids as the schemas allow.
 */
export function parseClipboard(text: string | null | undefined, projectId: string): ParsedClipboard | null {
  if (typeof text !== 'string' || !text.includes(MARKER)) return null;
  if (text.length > MAX_CLIPBOARD_CHARS) return { ok: false, reason: 'Too much on the clipboard to paste.' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || (raw as { marker?: unknown }).marker !== MARKER) return null;
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'The copied clips could not be read; copy them again.' };
  const { data } = parsed;
  const ids = new Set<string>();
  for (const { clip, kind } of data.clips) {
    if (ids.has(clip.id)) return { ok: false, reason: 'The copied clips could not be read; copy them again.' };
    ids.add(clip.id);
    if (!trackAccepts(kind, clip)) return { ok: false, reason: 'The copied clips could not be read; copy them again.' };
  }
  // Media ids mean nothing in another project's library; titles carry everything they show.
  if (data.projectId !== projectId && data.clips.some(({ clip }) => clip.assetId !== null)) {
    return { ok: false, reason: 'Clips with media paste only into the project they were copied from.' };
  }
  const clips = data.clips.map(({ clip, track, kind }) => ({ clip: clip as ClipSnapshot, track, kind }));
  // Recomputed, not trusted: the span decides where the paste lands.
  const start = Math.min(...clips.map(({ clip }) => clip.start));
  const end = Math.max(...clips.map(({ clip }) => clipEnd(clip)));
  const transitions = (data.transitions as TransitionSnapshot[]).filter((t) => ids.has(t.fromClipId) && ids.has(t.toClipId));
  return { ok: true, clipboard: { start, end, clips, transitions } };
}
