import type { z } from 'zod';
import { compareOrder } from '../order';
import { clipSchema, TIME_EPSILON } from './clip';
import { markerSchema } from './marker';
import { clipEnd, type TimelineSnapshot } from './snapshot';
import { timelineSettingsSchema } from './timeline-settings';
import { trackAccepts, trackSchema } from './track';
import { MIN_TRANSITION_DURATION, transitionLimit, transitionSchema } from './transition';
import { touching } from './normalize';

/**
 * Everything a sound timeline satisfies, as readable problems (empty when sound): each record valid, references
 * resolved, sorted as documented, no overlapping clips on a track, transitions on a cut within their handles and
 * clips within their sources when the source durations are given. Tests run it on every replica's snapshot.
 */
export function validateSnapshot(s: TimelineSnapshot, assetDurations?: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const check = (what: string, schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (!r.success) problems.push(`${what}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  };
  check('settings', timelineSettingsSchema, s.settings);

  const trackIndex = new Map(s.tracks.map((t, i) => [t.id, i]));
  s.tracks.forEach((t, i) => {
    check(`track ${t.id}`, trackSchema, t);
    if (i > 0 && compareOrder(s.tracks[i - 1], t) >= 0) problems.push(`track ${t.id} is out of order`);
    if (t.ducking && !trackIndex.has(t.ducking.byTrackId)) problems.push(`track ${t.id} ducks under a missing track`);
  });
  if (trackIndex.size !== s.tracks.length) problems.push('two tracks share an id');

  const clipById = new Map(s.clips.map((c) => [c.id, c]));
  if (clipById.size !== s.clips.length) problems.push('two clips share an id');
  s.clips.forEach((c, i) => {
    check(`clip ${c.id}`, clipSchema, c);
    const track = s.tracks[trackIndex.get(c.trackId) ?? -1];
    if (!track) return problems.push(`clip ${c.id} is on a missing track`);
    if (!trackAccepts(track.kind, c)) problems.push(`clip ${c.id} does not belong on ${track.kind} track ${track.id}`);
    const source = c.assetId === null ? undefined : assetDurations?.[c.assetId];
    if (source !== undefined && c.out > source + TIME_EPSILON) problems.push(`clip ${c.id} ends after its source`);
    const prev = s.clips[i - 1];
    if (!prev) return;
    const order = trackIndex.get(prev.trackId)! - trackIndex.get(c.trackId)! || prev.start - c.start || (prev.id < c.id ? -1 : 1);
    if (order > 0) problems.push(`clip ${c.id} is out of order`);
    if (prev.trackId === c.trackId && c.start < clipEnd(prev) - TIME_EPSILON) problems.push(`clips ${prev.id} and ${c.id} overlap`);
  });

  const froms = new Set<string>();
  const tos = new Set<string>();
  for (const t of s.transitions) {
    check(`transition ${t.id}`, transitionSchema, t);
    const [from, to] = [clipById.get(t.fromClipId), clipById.get(t.toClipId)];
    if (!from || !to) {
      problems.push(`transition ${t.id} joins a missing clip`);
      continue;
    }
    if (!touching(from, to)) problems.push(`transition ${t.id} is not on a cut`);
    else if (t.duration > transitionLimit(from, to, assetDurations) + TIME_EPSILON) problems.push(`transition ${t.id} is longer than its handles`);
    if (t.duration < MIN_TRANSITION_DURATION - TIME_EPSILON) problems.push(`transition ${t.id} is too short`);
    if (froms.has(from.id) || tos.has(to.id)) problems.push(`two transitions on the cut after clip ${from.id}`);
    froms.add(from.id);
    tos.add(to.id);
  }

  s.markers.forEach((m, i) => {
    check(`marker ${m.id}`, markerSchema, m);
    const prev = s.markers[i - 1];
    if (prev && (prev.time > m.time || (prev.time === m.time && prev.id > m.id))) problems.push(`marker ${m.id} is out of order`);
  });
  return problems;
}
