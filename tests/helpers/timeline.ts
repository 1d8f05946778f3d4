import { expect } from 'vitest';
import { keysBetween } from '$lib/editor/model/order';
import type { EditOrigin } from '$lib/editor/model/origin';
import { SERVER_ORIGIN } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { TimelineChange } from '$lib/editor/model/timeline/changes';
import { newClip, newTitleClip } from '$lib/editor/model/timeline/clip';
import { newMarker } from '$lib/editor/model/timeline/marker';
import type { OperationResult } from '$lib/editor/model/timeline/operations';
import type { ClipSnapshot } from '$lib/editor/model/timeline/snapshot';
import { newTrack } from '$lib/editor/model/timeline/track';

/** Source lengths of the fixture's assets, seconds. */
export const DURATIONS: Record<string, number> = { a1: 60, a2: 8, a3: 30 };

/** Readable, replayable ids: `prefix1`, `prefix2`, … */
export function counterIds(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/**
 * Tracks bottom to top: A1 (audio), V1, V2 (video), T1 (title).
 * V1: c1 [0,5) a1 0–5 · c2 [5,10) a1 10–15 · c3 [12,16) a2 2–6. A1: m1 [0,20) a3. T1: tt [2,5). Marker mk at 7.5.
 */
export function fixtureChanges(): TimelineChange[] {
  const [o1, o2, o3, o4] = keysBetween(null, null, 4);
  const clips: ClipSnapshot[] = [
    newClip({ id: 'c1', trackId: 'v1', assetId: 'a1', start: 0, in: 0, out: 5 }),
    newClip({ id: 'c2', trackId: 'v1', assetId: 'a1', start: 5, in: 10, out: 15 }),
    newClip({ id: 'c3', trackId: 'v1', assetId: 'a2', start: 12, in: 2, out: 6 }),
    newClip({ id: 'm1', trackId: 'a1', assetId: 'a3', start: 0, in: 0, out: 20 }),
    newTitleClip({ id: 'tt', trackId: 't1', start: 2, duration: 3, text: 'Hello' })
  ];
  return [
    { op: 'insert', kind: 'track', record: newTrack({ id: 'a1', kind: 'audio', name: 'A1', order: o1 }) },
    { op: 'insert', kind: 'track', record: newTrack({ id: 'v1', kind: 'video', name: 'V1', order: o2 }) },
    { op: 'insert', kind: 'track', record: newTrack({ id: 'v2', kind: 'video', name: 'V2', order: o3 }) },
    { op: 'insert', kind: 'track', record: newTrack({ id: 't1', kind: 'title', name: 'T1', order: o4 }) },
    ...clips.map((record): TimelineChange => ({ op: 'insert', kind: 'clip', record })),
    { op: 'insert', kind: 'marker', record: newMarker({ id: 'mk', time: 7.5, label: 'beat' }) }
  ];
}

export function fixtureProject(project = new ProjectDoc()): ProjectDoc {
  project.transact(SERVER_ORIGIN, () => project.timeline.apply(fixtureChanges()));
  return project;
}

/** Asserts the operation succeeded and writes it as one transaction of `origin`; returns the result. */
export function applyResult(project: ProjectDoc, origin: EditOrigin, result: OperationResult, assetDurations = DURATIONS) {
  if (!result.ok) expect.fail(`refused: ${result.reason}`);
  project.transact(origin, () => project.timeline.apply(result.changes, assetDurations));
  return result;
}

export function refusal(result: OperationResult): string {
  if (result.ok) expect.fail('expected a refusal');
  return result.reason;
}
