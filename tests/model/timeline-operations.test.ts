import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { SERVER_ORIGIN, userOrigin } from '$lib/editor/model/origin';
import type { Role } from '$lib/editor/model/role';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { redo, undo } from '$lib/editor/commands/undo';
import { clipSchema, newClip, newTitleClip, repairClip } from '$lib/editor/model/timeline/clip';
import { cropKeyframes, ease, valueAt } from '$lib/editor/model/timeline/keyframes';
import {
  addMarker,
  addSceneMarkers,
  addSpeechMarkers,
  addTrack,
  addTransition,
  copyClips,
  deleteClips,
  deleteMarker,
  deleteTrack,
  duplicateClips,
  editMarker,
  insertClip,
  moveClips,
  moveMarker,
  pasteClips,
  removeTransition,
  reorderTrack,
  setClipProperties,
  setPreset,
  setSettings,
  setTrackDucking,
  setTrackState,
  splitClips,
  trimClip,
  trimRange,
  type OperationOptions,
  type OperationResult
} from '$lib/editor/model/timeline/operations';
import { clipDuration, clipEnd, type ClipSnapshot, type TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { presetOf, timelineSettingsSchema } from '$lib/editor/model/timeline/timeline-settings';
import { Timeline } from '$lib/editor/model/timeline/timeline';
import { newTrack, trackSchema } from '$lib/editor/model/timeline/track';
import { newTransition, transitionLimit, transitionSchema } from '$lib/editor/model/timeline/transition';
import { applyChanges } from '$lib/editor/model/timeline/changes';
import { validateSnapshot } from '$lib/editor/model/timeline/validate';
import { splitClipsCommand } from '$lib/editor/commands/timeline/split-clips';
import { deleteClipsCommand } from '$lib/editor/commands/timeline/delete-clips';
import { rippleDeleteClipsCommand } from '$lib/editor/commands/timeline/ripple-delete-clips';
import { moveClipsCommand } from '$lib/editor/commands/timeline/move-clips';
import { trimClipCommand } from '$lib/editor/commands/timeline/trim-clip';
import { addMarkerCommand } from '$lib/editor/commands/timeline/add-marker';
import { duplicateClipsCommand } from '$lib/editor/commands/timeline/duplicate-clips';
import { pasteClipsCommand } from '$lib/editor/commands/timeline/paste-clips';
import { setTimelinePresetCommand } from '$lib/editor/commands/timeline/set-timeline-preset';
import { applyResult, counterIds, DURATIONS, fixtureProject, refusal } from '../helpers/timeline';

const ME = userOrigin('me');

function setup() {
  const project = fixtureProject();
  const opts: OperationOptions = { assetDurations: DURATIONS, newId: counterIds('n') };
  const snap = () => project.timeline.snapshot(DURATIONS);
  const clip = (id: string) => snap().clips.find((c) => c.id === id);
  /** Runs the operation on the current snapshot, writes it, and checks the stored result is what it computed. */
  const run = (op: (s: TimelineSnapshot) => OperationResult) => {
    const before = snap();
    const result = applyResult(project, ME, op(before));
    expect(snap()).toEqual(applyChanges(before, result.changes));
    expect(validateSnapshot(snap(), DURATIONS)).toEqual([]);
    return result;
  };
  return { project, opts, snap, clip, run };
}

const span = (c: ClipSnapshot | undefined) => c && [c.start, clipEnd(c)];

describe('records', () => {
  const base = newClip({ id: 'x', trackId: 'v1', assetId: 'a1', start: 0, in: 1, out: 5 });
  const message = (over: Partial<ClipSnapshot>) => clipSchema.safeParse({ ...base, ...over }).error?.issues[0].message;

  it('a clip is sound: in < out, speed in (0, 16], opacity 0..1, fades fit, keyframes sorted inside, titles have no asset', () => {
    expect(clipSchema.safeParse(base).success).toBe(true);
    expect(message({ out: 1 })).toBe('The in point must come before the out point.');
    expect(message({ in: -1 })).toBe('The in point cannot be before the start of the source.');
    expect(message({ out: 1.01 })).toBe('A clip lasts at least 0.04 s.');
    expect(message({ speed: 0 })).toBe('Speed must be above 0.');
    expect(message({ speed: 16.5 })).toBe('Speed is at most 16×.');
    expect(clipSchema.safeParse({ ...base, speed: 16 }).success).toBe(true);
    expect(message({ opacity: 1.2 })).toBe('Opacity is between 0 and 1.');
    expect(message({ fadeIn: -1 })).toBe('A fade cannot be negative.');
    expect(message({ fadeIn: 2, fadeOut: 2.5 })).toBe('The fades are longer than the clip.');
    expect(clipSchema.safeParse({ ...base, fadeIn: 2, fadeOut: 2 }).success).toBe(true);
    expect(message({ speed: 2, fadeIn: 1, fadeOut: 1.5 })).toBe('The fades are longer than the clip.'); // 4 s of source at 2× is 2 s
    const k = (t: number, value = 1) => ({ t, value, easing: 'linear' as const });
    expect(message({ keyframes: { opacity: [k(2), k(1)] } })).toBe('The opacity keyframes must be in time order.');
    expect(message({ keyframes: { opacity: [k(1), k(1)] } })).toBe('The opacity keyframes must be in time order.');
    expect(message({ keyframes: { volume: [k(0), k(4.5)] } })).toBe('A volume keyframe lies after the end of the clip.');
    expect(message({ keyframes: { opacity: [k(0, 2)] } })).toBe('A opacity keyframe is out of range (0 to 1).');
    expect(message({ title: newTitleClip({ trackId: 't1', start: 0, duration: 1, text: 'x' }).title })).toBe('A title clip has no asset.');
    expect(message({ assetId: null })).toBe('A clip plays an asset or shows a title.');
    const title = newTitleClip({ id: 't', trackId: 't1', start: 0, duration: 3, text: 'Hi' });
    expect(clipSchema.safeParse(title).success).toBe(true);
    expect(clipSchema.safeParse({ ...title, in: 1, out: 4 }).error?.issues[0].message).toBe('A title starts at 0 in its own time.');
    expect(clipSchema.safeParse({ ...title, title: { ...title.title!, text: '  ' } }).error?.issues[0].message).toBe('A title needs text.');
  });

  it('track kind rules, transitions and settings', () => {
    const audio = newTrack({ id: 'a', kind: 'audio', name: 'A1', order: 'a0' });
    expect(trackSchema.safeParse({ ...audio, ducking: { byTrackId: 'v', amountDb: 12 } }).success).toBe(true);
    expect(trackSchema.safeParse({ ...audio, kind: 'video', ducking: { byTrackId: 'v', amountDb: 12 } }).error?.issues[0].message).toBe('Only audio tracks duck.');
    expect(trackSchema.safeParse({ ...audio, ducking: { byTrackId: 'a', amountDb: 12 } }).error?.issues[0].message).toBe('A track cannot duck under itself.');
    expect(trackSchema.safeParse({ ...audio, name: ' ' }).error?.issues[0].message).toBe('A track needs a name.');
    expect(transitionSchema.safeParse(newTransition({ fromClipId: 'a', toClipId: 'a' })).error?.issues[0].message).toBe('A transition joins two different clips.');
    expect(transitionSchema.safeParse(newTransition({ fromClipId: 'a', toClipId: 'b', duration: 0.05 })).success).toBe(false);
    expect(timelineSettingsSchema.safeParse({ width: 1921, height: 1080, fps: 30 }).error?.issues[0].message).toBe('Width and height must be even.');
  });

  it('repairs what concurrent field edits merge into, deterministically, instead of dropping the clip', () => {
    // One user trimmed the in point to 4, another the out point to 3: the in point stays, the clip becomes minimal.
    expect(clipSchema.parse(repairClip({ ...base, in: 4, out: 3 }))).toMatchObject({ in: 4, out: 4.04 });
    // A fade set against the old length: both fades shrink together.
    expect(clipSchema.parse(repairClip({ ...base, out: 3, fadeIn: 1.5, fadeOut: 1.5 }))).toMatchObject({ fadeIn: 1, fadeOut: 1 });
    // Keyframes beyond a new end are cut there, keeping the value at the cut.
    const kf = { opacity: [{ t: 0, value: 0, easing: 'linear' }, { t: 4, value: 1, easing: 'linear' }] };
    expect(clipSchema.parse(repairClip({ ...base, out: 3, keyframes: kf })).keyframes.opacity).toEqual([
      { t: 0, value: 0, easing: 'linear' },
      { t: 2, value: 0.5, easing: 'linear' }
    ]);
    const valid = { ...base, fadeIn: 1, keyframes: kf };
    expect(repairClip(valid)).toEqual(valid);
  });

  it('keyframe crops keep the values at the cut', () => {
    const keys = [
      { t: 0, value: 0, easing: 'ease-in' as const },
      { t: 4, value: 1, easing: 'linear' as const }
    ];
    expect(valueAt(keys, 2)).toBe(0.25);
    expect(cropKeyframes({ opacity: keys }, 2, 4).opacity).toEqual([
      { t: 0, value: 0.25, easing: 'ease-in' },
      { t: 2, value: 1, easing: 'linear' }
    ]);
    expect(cropKeyframes({ opacity: [{ t: 0, value: 0.5, easing: 'linear' }] }, 1, 3).opacity).toEqual([{ t: 0, value: 0.5, easing: 'linear' }]);
  });
});

describe('Timeline.snapshot', () => {
  it('reads settings (16:9 by default), tracks by order, clips by track then start, markers by time', () => {
    const { snap } = setup();
    const s = snap();
    expect(s.settings).toEqual({ width: 1920, height: 1080, fps: 30 });
    expect(s.tracks.map((t) => t.id)).toEqual(['a1', 'v1', 'v2', 't1']);
    expect(s.clips.map((c) => c.id)).toEqual(['m1', 'c1', 'c2', 'c3', 'tt']);
    expect(s.markers.map((m) => m.time)).toEqual([7.5]);
    expect(validateSnapshot(s, DURATIONS)).toEqual([]);
    expect(Timeline.presets.portrait).toMatchObject({ width: 1080, height: 1920, label: '9:16 1080×1920' });
    expect(new ProjectDoc().timeline.snapshot()).toEqual({ settings: { width: 1920, height: 1080, fps: 30 }, tracks: [], clips: [], transitions: [], markers: [] });
  });

  it('drops dangling references and records a peer wrote in a wrong shape, without crashing', () => {
    const { project, snap } = setup();
    project.transact(SERVER_ORIGIN, () => {
      const tl = project.timeline;
      tl.transitions.insert(transitionSchema.parse(newTransition({ id: 'gone', fromClipId: 'c3', toClipId: 'nope' })));
      tl.transitions.insert(transitionSchema.parse(newTransition({ id: 'apart', fromClipId: 'c2', toClipId: 'c3' })));
      tl.tracks.delete('v2');
      tl.clips.insert(clipSchema.parse(newClip({ id: 'orphan', trackId: 'v2', assetId: 'a1', start: 0, out: 1 })));
      tl.clips.insert(clipSchema.parse(newClip({ id: 'misfit', trackId: 't1', assetId: 'a1', start: 10, out: 11 }))); // an asset on a title track
      const bad = new Y.Map<unknown>();
      bad.set('start', 'soon');
      tl.clips.ymap.set('bad', bad);
      tl.settingsMap.set('size', { width: -5, height: 3 });
    });
    const reading = project.timeline.read(DURATIONS);
    expect(reading.snapshot.clips.map((c) => c.id)).toEqual(['m1', 'c1', 'c2', 'c3', 'tt']);
    expect(reading.snapshot.transitions).toEqual([]);
    expect(reading.dropped).toEqual({ clips: ['orphan', 'misfit'], transitions: ['apart', 'gone'] });
    expect(snap().settings).toEqual({ width: 1920, height: 1080, fps: 30 });
    expect(validateSnapshot(snap(), DURATIONS)).toEqual([]);
  });

  it('returns the same read-only snapshot until the document (or the durations object) changes', () => {
    const { project, opts } = setup();
    const other = new ProjectDoc();
    const first = project.timeline.snapshot(DURATIONS);
    expect(project.timeline.snapshot(DURATIONS)).toBe(first);
    expect(project.timeline.snapshot()).not.toBe(first);
    applyResult(project, ME, moveClips(first, { clipIds: ['c3'], start: 20 }, opts));
    const second = project.timeline.snapshot(DURATIONS);
    expect(second).not.toBe(first);
    expect(second.clips.find((c) => c.id === 'c3')?.start).toBe(20);
    // A remote update is a transaction too.
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(project.doc));
    const remote = other.timeline.snapshot(DURATIONS);
    applyResult(project, ME, moveClips(second, { clipIds: ['c3'], start: 30 }, opts));
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(project.doc, Y.encodeStateVector(other.doc)));
    expect(other.timeline.snapshot(DURATIONS)).not.toBe(remote);
    expect(other.timeline.snapshot(DURATIONS).clips.find((c) => c.id === 'c3')?.start).toBe(30);
    // Inside a transaction the half-written state is read fresh.
    project.transact(ME, () => {
      project.timeline.clips.update('c3', { start: 40 });
      expect(project.timeline.snapshot(DURATIONS).clips.find((c) => c.id === 'c3')?.start).toBe(40);
    });
    expect(project.timeline.snapshot(DURATIONS).clips.find((c) => c.id === 'c3')?.start).toBe(40);
  });

  it('apply runs only inside a transaction and writes nothing when any change is invalid or stale', () => {
    const { project } = setup();
    expect(() => project.timeline.apply([{ op: 'delete', kind: 'clip', id: 'c1' }])).toThrow(/inside a transaction/);
    const before = Y.encodeStateAsUpdate(project.doc);
    expect(() =>
      project.transact(ME, () =>
        project.timeline.apply([
          { op: 'delete', kind: 'clip', id: 'c1' },
          { op: 'update', kind: 'clip', id: 'missing', patch: { start: 1 } }
        ])
      )
    ).toThrow(/No clip missing/);
    expect(() => project.transact(ME, () => project.timeline.apply([{ op: 'delete', kind: 'clip', id: 'c1' }, { op: 'update', kind: 'clip', id: 'c2', patch: { speed: 0 } }]))).toThrow();
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
  });
});

describe('insert clip', () => {
  it('goes into a free spot; an occupied spot is refused with a reason', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => insertClip(s, { clip: newClip({ id: 'n', trackId: 'v1', assetId: 'a1', start: 16, out: 4 }) }, opts));
    expect(span(clip('n'))).toEqual([16, 20]);
    expect(refusal(insertClip(snap(), { clip: newClip({ id: 'x', trackId: 'v1', assetId: 'a1', start: 11, out: 4 }) }, opts))).toBe(
      'There is already a clip at 12 s on track "V1".'
    );
  });

  it('ripple insert pushes later clips by its length and splits a clip it lands inside', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => insertClip(s, { clip: newClip({ id: 'n', trackId: 'v1', assetId: 'a1', start: 10, out: 4 }), ripple: true }, opts));
    expect(span(clip('c3'))).toEqual([16, 20]);
    expect(span(clip('c2'))).toEqual([5, 10]);
    const r = run((s) => insertClip(s, { clip: newClip({ id: 'm', trackId: 'v1', assetId: 'a1', start: 2.5, out: 2 }), ripple: true }, opts));
    expect(clip('c1')).toMatchObject({ start: 0, in: 0, out: 2.5 });
    const right = snap().clips.find((c) => c.id !== 'm' && !['c1', 'c2', 'c3'].includes(c.id) && c.trackId === 'v1' && c.id !== 'n')!;
    expect(right).toMatchObject({ start: 4.5, in: 2.5, out: 5 });
    expect(span(clip('c2'))).toEqual([7, 12]);
    expect(span(clip('c3'))).toEqual([18, 22]);
    expect(r.created).toEqual(['m']);
  });

  it('snaps to markers, clip edges and the playhead within the snap distance, and not beyond', () => {
    const { run, clip, opts } = setup();
    run((s) => insertClip(s, { clip: newClip({ id: 'a', trackId: 'v2', assetId: 'a1', start: 7.7, out: 1 }) }, { ...opts, snapDistance: 0.25 }));
    expect(clip('a')?.start).toBe(7.5); // the marker
    run((s) => insertClip(s, { clip: newClip({ id: 'b', trackId: 'v2', assetId: 'a1', start: 10.2, out: 1 }) }, { ...opts, snapDistance: 0.25 }));
    expect(clip('b')?.start).toBe(10); // c2's end on the track below
    run((s) => insertClip(s, { clip: newClip({ id: 'c', trackId: 'v2', assetId: 'a1', start: 30.2, out: 3 }) }, { ...opts, snapDistance: 0.25, playhead: 33.4 }));
    expect(clip('c')?.start).toBe(30.4); // its end on the playhead
    run((s) => insertClip(s, { clip: newClip({ id: 'd', trackId: 'v2', assetId: 'a1', start: 40.3, out: 1 }) }, { ...opts, snapDistance: 0.25, playhead: 40 }));
    expect(clip('d')?.start).toBe(40.3);
  });

  it('refuses locked tracks, the wrong kind of track, zero length and media past the end of the source', () => {
    const { run, snap, opts } = setup();
    const at = (over: Partial<ClipSnapshot>) => ({ clip: { ...newClip({ trackId: 'v2', assetId: 'a2', start: 30, in: 1, out: 3 }), ...over } });
    expect(refusal(insertClip(snap(), at({ trackId: 'gone' }), opts))).toBe('That track is no longer on the timeline.');
    expect(refusal(insertClip(snap(), at({ trackId: 't1' }), opts))).toBe('"T1" is a title track: it holds titles only.');
    expect(refusal(insertClip(snap(), { clip: newTitleClip({ trackId: 'v2', start: 30, duration: 2, text: 'x' }) }, opts))).toBe(
      'Titles go on a title track, and "V2" is a video track.'
    );
    expect(refusal(insertClip(snap(), at({ out: 1 }), opts))).toBe('A clip lasts at least 0.04 s.');
    expect(refusal(insertClip(snap(), at({ out: 9 }), opts))).toBe('The clip runs past the end of its source (8 s).');
    expect(insertClip(snap(), at({ out: 9 }), { ...opts, assetDurations: {} }).ok).toBe(true); // unknown length: trusted
    run((s) => setTrackState(s, { trackId: 'v2', locked: true }, opts));
    expect(refusal(insertClip(snap(), at({}), opts))).toBe('Track "V2" is locked.');
  });
});

describe('move clips', () => {
  it('moves to a time and a track of the same kind; an occupied spot or another kind is refused', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => moveClips(s, { clipIds: ['c3'], start: 20 }, opts));
    expect(span(clip('c3'))).toEqual([20, 24]);
    expect(refusal(moveClips(snap(), { clipIds: ['c3'], start: 8 }, opts))).toBe('There is already a clip at 5 s on track "V1".');
    expect(refusal(moveClips(snap(), { clipIds: ['c3'], start: 8, trackId: 'a1' }, opts))).toBe('Clips stay on tracks of their kind: "A1" is an audio track.');
    run((s) => moveClips(s, { clipIds: ['c3'], start: 8, trackId: 'v2' }, opts));
    expect(clip('c3')).toMatchObject({ trackId: 'v2', start: 8 });
    run((s) => moveClips(s, { clipIds: ['c3'], start: -3 }, opts));
    expect(clip('c3')?.start).toBe(0); // clamped at 0
    expect(refusal(moveClips(snap(), { clipIds: ['c3', 'nope'], start: 1 }, opts))).toBe('A clip you are moving is no longer on the timeline.');
  });

  it('ripple move pushes what is in the way', () => {
    const { run, clip, snap, opts } = setup();
    const r = run((s) => moveClips(s, { clipIds: ['c3'], start: 8, ripple: true }, opts));
    expect(span(clip('c3'))).toEqual([8, 12]);
    expect(clip('c2')).toMatchObject({ start: 5, out: 13 });
    const rest = snap().clips.find((c) => c.trackId === 'v1' && c.start === 12)!;
    expect(rest).toMatchObject({ assetId: 'a1', in: 13, out: 15 });
    expect(r.created).toEqual([]);
  });

  it('snaps either edge to the playhead, clip edges and markers', () => {
    const { run, clip, opts } = setup();
    run((s) => moveClips(s, { clipIds: ['c3'], start: 16.1 }, { ...opts, snapDistance: 0.2, playhead: 20 }));
    expect(span(clip('c3'))).toEqual([16, 20]); // the end on the playhead; its own old edges do not count
    run((s) => moveClips(s, { clipIds: ['c3'], start: 27.6, trackId: 'v2' }, { ...opts, snapDistance: 0.5 }));
    expect(clip('c3')?.start).toBe(27.6); // nothing near
  });

  it('multi-select moves together keeping offsets and their transition; a clip moved away loses its transition', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => addTransition(s, { fromClipId: 'c1', duration: 1 }, opts));
    run((s) => moveClips(s, { clipIds: ['c1', 'c2'], anchorId: 'c2', start: 20, trackId: 'v2' }, opts));
    expect([clip('c1'), clip('c2')].map((c) => [c?.trackId, c?.start])).toEqual([
      ['v2', 15],
      ['v2', 20]
    ]);
    expect(snap().transitions).toHaveLength(1);
    run((s) => moveClips(s, { clipIds: ['c2'], start: 30 }, opts));
    expect(snap().transitions).toEqual([]);
  });

  it('refuses locked source and target tracks and a missing target track', () => {
    const { run, snap, opts } = setup();
    expect(refusal(moveClips(snap(), { clipIds: ['c3', 'tt'], start: 20, trackId: 'v2' }, opts))).toBe('There is no track there for every selected clip.');
    run((s) => setTrackState(s, { trackId: 'v2', locked: true }, opts));
    expect(refusal(moveClips(snap(), { clipIds: ['c3'], start: 20, trackId: 'v2' }, opts))).toBe('Track "V2" is locked.');
    run((s) => setTrackState(s, { trackId: 'v1', locked: true }, opts));
    expect(refusal(moveClips(snap(), { clipIds: ['c3'], start: 20 }, opts))).toBe('Track "V1" is locked.');
  });
});

describe('trim', () => {
  it('moves an edge within the source; past the media or into a neighbour is refused', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => trimClip(s, { clipId: 'c3', edge: 'end', time: 15 }, opts));
    expect(clip('c3')).toMatchObject({ start: 12, in: 2, out: 5 });
    run((s) => trimClip(s, { clipId: 'c3', edge: 'end', time: 18 }, opts));
    expect(clip('c3')).toMatchObject({ out: 8 }); // the whole source (8 s)
    expect(refusal(trimClip(snap(), { clipId: 'c3', edge: 'end', time: 18.5 }, opts))).toBe('The source has no more media after this point (it lasts 8 s).');
    run((s) => trimClip(s, { clipId: 'c3', edge: 'start', time: 10.5 }, opts));
    expect(clip('c3')).toMatchObject({ start: 10.5, in: 0.5, out: 8 });
    expect(refusal(trimClip(snap(), { clipId: 'c3', edge: 'start', time: 9.5 }, opts))).toBe('The source has no more media before this point.');
    expect(refusal(trimClip(snap(), { clipId: 'c2', edge: 'start', time: 4 }, opts))).toBe('The clip before is in the way.');
    expect(refusal(trimClip(snap(), { clipId: 'c1', edge: 'end', time: 6 }, opts))).toBe('The next clip is in the way.');
    expect(refusal(trimClip(snap(), { clipId: 'c1', edge: 'end', time: 0.01 }, opts))).toBe('A clip lasts at least 0.04 s.');
    expect(trimRange(snap(), { clipId: 'c3', edge: 'start' }, opts)).toEqual([10, 18 - 0.04]);
    expect(trimRange(snap(), { clipId: 'c1', edge: 'end' }, opts)).toEqual([0.04, 5]);
  });

  it('ripple trims keep the clip start and move the later clips on its track', () => {
    const { run, clip, opts } = setup();
    run((s) => trimClip(s, { clipId: 'c2', edge: 'end', time: 8, ripple: true }, opts));
    expect(clip('c2')).toMatchObject({ start: 5, in: 10, out: 13 });
    expect(clip('c3')?.start).toBe(10);
    run((s) => trimClip(s, { clipId: 'c2', edge: 'start', time: 6, ripple: true }, opts));
    expect(clip('c2')).toMatchObject({ start: 5, in: 11, out: 13 });
    expect(clip('c3')?.start).toBe(9);
    expect(clip('m1')?.start).toBe(0); // other tracks stay
  });

  it('fades and keyframes follow the content', () => {
    const { project, run, clip, opts } = setup();
    const keyframes = { opacity: [{ t: 0, value: 0, easing: 'linear' as const }, { t: 4, value: 1, easing: 'linear' as const }] };
    project.transact(ME, () => project.timeline.clips.update('c3', { fadeIn: 1, fadeOut: 2, keyframes }));
    run((s) => trimClip(s, { clipId: 'c3', edge: 'start', time: 13 }, opts));
    expect(clip('c3')).toMatchObject({ fadeIn: 1, fadeOut: 2 });
    expect(clip('c3')?.keyframes.opacity).toEqual([
      { t: 0, value: 0.25, easing: 'linear' },
      { t: 3, value: 1, easing: 'linear' }
    ]);
    run((s) => trimClip(s, { clipId: 'c3', edge: 'end', time: 14.5 }, opts));
    const c3 = clip('c3')!;
    expect(clipDuration(c3)).toBe(1.5);
    expect(c3.fadeIn + c3.fadeOut).toBeCloseTo(1.5, 9);
    expect(c3.fadeOut / c3.fadeIn).toBeCloseTo(2, 9);
    expect(c3.keyframes.opacity?.at(-1)).toEqual({ t: 1.5, value: 0.625, easing: 'linear' });
  });

  it('a transition loses its cut on a plain trim and is shortened when a ripple trim shrinks its room', () => {
    const { run, snap, opts } = setup();
    run((s) => addTransition(s, { fromClipId: 'c1', duration: 4 }, opts));
    run((s) => trimClip(s, { clipId: 'c2', edge: 'end', time: 6.5, ripple: true }, opts));
    expect(snap().transitions[0].duration).toBe(1.5); // at most the length of c2
    run((s) => trimClip(s, { clipId: 'c1', edge: 'end', time: 4 }, opts));
    expect(snap().transitions).toEqual([]);
  });
});

describe('split', () => {
  it('splits every clip under the playhead on unlocked tracks, or only the selected ones', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => setTrackState(s, { trackId: 'a1', locked: true }, opts));
    const r = run((s) => splitClips(s, {}, { ...opts, playhead: 2 }));
    expect(r.created).toHaveLength(1);
    expect(clip('c1')).toMatchObject({ start: 0, in: 0, out: 2 });
    expect(clip(r.created[0])).toMatchObject({ trackId: 'v1', start: 2, in: 2, out: 5, assetId: 'a1' });
    expect(clip('m1')).toMatchObject({ out: 20 }); // locked
    run((s) => splitClips(s, { time: 14, clipIds: ['c3'] }, opts));
    expect(clip('c3')).toMatchObject({ out: 4 });
    expect(refusal(splitClips(snap(), { time: 11, clipIds: ['c3'] }, opts))).toBe('The playhead is not over a selected clip.');
    expect(refusal(splitClips(snap(), { time: 100 }, opts))).toBe('The playhead is not over a clip.');
    expect(refusal(splitClips(snap(), {}, opts))).toBe('Put the playhead where to split.');
    expect(refusal(splitClips(snap(), { time: 0.01, clipIds: ['c1'] }, opts))).toMatch(/^Too close to the edge of the clip/);
  });

  it('gives the fade-in and incoming transition to the left part, the fade-out and outgoing transition to the right', () => {
    const { project, run, clip, snap, opts } = setup();
    project.transact(ME, () => project.timeline.clips.update('c1', { fadeIn: 1, fadeOut: 1 }));
    run((s) => addTransition(s, { fromClipId: 'c1', duration: 1 }, opts));
    const [right] = run((s) => splitClips(s, { time: 2, clipIds: ['c1'] }, opts)).created;
    expect(clip('c1')).toMatchObject({ fadeIn: 1, fadeOut: 0 });
    expect(clip(right)).toMatchObject({ fadeIn: 0, fadeOut: 1 });
    expect(snap().transitions[0]).toMatchObject({ fromClipId: right, toClipId: 'c2' });
  });

  it('splits a title in its own time', () => {
    const { run, clip, opts } = setup();
    const [right] = run((s) => splitClips(s, { time: 3, clipIds: ['tt'] }, opts)).created;
    expect(clip('tt')).toMatchObject({ in: 0, out: 1 });
    expect(clip('tt')?.title).toMatchObject({ animationIn: 'fade', animationOut: 'none' });
    expect(clip(right)).toMatchObject({ start: 3, in: 0, out: 2 });
    expect(clip(right)?.title).toMatchObject({ text: 'Hello', animationIn: 'none', animationOut: 'fade' });
  });
});

describe('delete', () => {
  it('deletes clips and their transitions; ripple closes the gaps on their tracks', () => {
    const { run, clip, snap, opts } = setup();
    run((s) => addTransition(s, { fromClipId: 'c1' }, opts));
    run((s) => deleteClips(s, { clipIds: ['c2'] }, opts));
    expect(clip('c2')).toBeUndefined();
    expect(snap().transitions).toEqual([]);
    expect(clip('c3')?.start).toBe(12);
    run((s) => deleteClips(s, { clipIds: ['c1', 'm1'], ripple: true }, opts));
    expect(clip('c3')?.start).toBe(7);
    expect(refusal(deleteClips(snap(), { clipIds: ['c1'] }, opts))).toBe('Select the clips to delete.');
  });

  it('ripple delete of several clips shifts each later clip by what was deleted before it', () => {
    const { run, clip, opts } = setup();
    run((s) => deleteClips(s, { clipIds: ['c1', 'c2'], ripple: true }, opts));
    expect(clip('c3')?.start).toBe(2);
  });

  it('refuses a locked track', () => {
    const { run, snap, opts } = setup();
    run((s) => setTrackState(s, { trackId: 'v1', locked: true }, opts));
    expect(refusal(deleteClips(snap(), { clipIds: ['c3'] }, opts))).toBe('Track "V1" is locked.');
  });
});

describe('duplicate, copy and paste', () => {
  it('duplicates right after the selection with new ids, refusing or pushing what is in the way', () => {
    const { run, clip, snap, opts } = setup();
    const [copy] = run((s) => duplicateClips(s, { clipIds: ['c3'] }, opts)).created;
    expect(clip(copy)).toMatchObject({ trackId: 'v1', start: 16, in: 2, out: 6, assetId: 'a2' });
    run((s) => addTransition(s, { fromClipId: 'c1', duration: 1 }, opts));
    expect(refusal(duplicateClips(snap(), { clipIds: ['c1', 'c2'] }, opts))).toBe('There is already a clip at 12 s on track "V1".');
    const { created } = run((s) => duplicateClips(s, { clipIds: ['c1', 'c2'], ripple: true }, opts));
    expect(created.map((id) => span(clip(id)))).toEqual([
      [10, 15],
      [15, 20]
    ]);
    expect(clip('c3')?.start).toBe(22);
    expect(snap().transitions.map((t) => [t.fromClipId, t.toClipId])).toEqual([
      ['c1', 'c2'],
      [created[0], created[1]]
    ]);
  });

  it('pastes plain data at a time and track, keeping distances in time and tracks', () => {
    const { run, clip, snap, opts } = setup();
    const clipboard = copyClips(snap(), ['c3', 'tt'])!;
    expect(JSON.parse(JSON.stringify(clipboard))).toEqual(clipboard);
    const { created } = run((s) => pasteClips(s, { clipboard, trackId: 'v1', start: 30 }, opts));
    expect(created.map((id) => [clip(id)?.trackId, clip(id)?.start])).toEqual([
      ['v1', 40],
      ['t1', 30]
    ]);
    expect(refusal(pasteClips(snap(), { clipboard, trackId: 'v2', start: 50 }, opts))).toBe('There is no track there for every copied clip.');
    expect(refusal(pasteClips(snap(), { clipboard, trackId: 'a1', start: 50 }, opts))).toBe('Clips stay on tracks of their kind: "A1" is an audio track.');
    expect(refusal(pasteClips(snap(), { clipboard, trackId: 'v1', start: 31 }, opts))).toBe('There is already a clip at 40 s on track "V1".');
  });
});

describe('transitions', () => {
  it('go on a cut, shortened to what the handles allow, and replace the one already there', () => {
    const { run, snap, opts } = setup();
    const [id] = run((s) => addTransition(s, { fromClipId: 'c1', duration: 30 }, opts)).created;
    expect(snap().transitions).toEqual([{ id, fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 5 }]);
    run((s) => addTransition(s, { fromClipId: 'c1', toClipId: 'c2', kind: 'wipeleft', duration: 2 }, opts));
    expect(snap().transitions).toEqual([{ id, fromClipId: 'c1', toClipId: 'c2', kind: 'wipeleft', duration: 2 }]);
    expect(refusal(addTransition(snap(), { fromClipId: 'c2', toClipId: 'c3' }, opts))).toBe('A transition goes on a cut: two clips that touch on one track.');
    expect(refusal(addTransition(snap(), { fromClipId: 'c1', duration: 0.01 }, opts))).toBe('A transition lasts at least 0.1 s.');
    run((s) => removeTransition(s, { id }, opts));
    expect(snap().transitions).toEqual([]);
    expect(refusal(removeTransition(snap(), { id }, opts))).toBe('That transition is no longer on the timeline.');
  });

  it('need media beyond the cut on both sides', () => {
    const { run, snap, opts } = setup();
    run((s) => insertClip(s, { clip: newClip({ id: 'd', trackId: 'v1', assetId: 'a1', start: 16, in: 0, out: 5 }) }, opts));
    expect(refusal(addTransition(snap(), { fromClipId: 'c3' }, opts))).toBe('There is no media beyond the cut to blend: trim the clips to leave handles.');
    const c3 = snap().clips.find((c) => c.id === 'c3')!;
    const next = { ...c3, id: 'e', start: 16, in: 3, out: 8 };
    expect(transitionLimit(c3, next, DURATIONS)).toBe(4); // 2 s after c3's out point in an 8 s source, both sides
    expect(transitionLimit({ ...c3, out: 7.5 }, next, DURATIONS)).toBe(1);
    expect(transitionLimit({ ...c3, out: 7.5 }, next, {})).toBe(5); // unknown length: the clip lengths bound it
  });
});

describe('markers', () => {
  it('add at the playhead, move with snapping, edit and delete', () => {
    const { run, snap, opts } = setup();
    const [id] = run((s) => addMarker(s, { label: 'drop' }, { ...opts, playhead: 3 })).created;
    expect(snap().markers.map((m) => [m.time, m.label])).toEqual([
      [3, 'drop'],
      [7.5, 'beat']
    ]);
    run((s) => moveMarker(s, { id, time: 5.2 }, { ...opts, snapDistance: 0.3 }));
    expect(snap().markers[0].time).toBe(5);
    run((s) => editMarker(s, { id, label: 'chorus', color: '#22cc88' }, opts));
    expect(snap().markers[0]).toMatchObject({ label: 'chorus', color: '#22cc88' });
    expect(refusal(editMarker(snap(), { id, color: 'red' }, opts))).toBe('A marker colour is #rrggbb.');
    run((s) => deleteMarker(s, { id }, opts));
    expect(snap().markers.map((m) => m.id)).toEqual(['mk']);
    expect(refusal(addMarker(snap(), {}, opts))).toBe('Put the playhead where the marker goes.');
    expect(refusal(addMarker(snap(), { time: -1 }, opts))).toBe('A marker cannot be before 0.');
    expect(refusal(moveMarker(snap(), { id, time: 1 }, opts))).toBe('That marker is no longer on the timeline.');
  });
});

describe('scene markers', () => {
  it('marks the source’s scene cuts that fall inside the clip, mapped through its in point and speed, once', () => {
    const { run, snap, opts } = setup();
    // c2 shows a1 from 10 s to 15 s at timeline 5 s; cuts at 4 and 16 s lie outside it, 10 s is its first frame.
    const scenes = [{ time: 4 }, { time: 10 }, { time: 11.5 }, { time: 14 }, { time: 16 }];
    run((s) => addSceneMarkers(s, { clipId: 'c2', scenes }, opts));
    expect(snap().markers.map((m) => [m.time, m.label])).toEqual([
      [6.5, 'Scene cut'],
      [7.5, 'beat'],
      [9, 'Scene cut']
    ]);
    expect(refusal(addSceneMarkers(snap(), { clipId: 'c2', scenes }, opts))).toMatch(/^No scene cut/);
    run((s) => setClipProperties(s, { clipIds: ['c3'], speed: 2 }, opts));
    // c3 shows a2 from 2 s at timeline 12 s, twice as fast: a cut at 5 s of the source is 1.5 s in.
    run((s) => addSceneMarkers(s, { clipId: 'c3', scenes: [{ time: 5 }] }, opts));
    expect(snap().markers.map((m) => m.time)).toContain(13.5);
    expect(refusal(addSceneMarkers(snap(), { clipId: 'gone', scenes }, opts))).toBe('That clip is no longer on the timeline.');
  });
});

describe('speech markers', () => {
  it('marks where the source’s speech starts inside the clip, labelled with its length on the timeline, once', () => {
    const { run, snap, opts } = setup();
    // c2 shows a1 from 10 s to 15 s at timeline 5 s: speech starting at 3 s or 15.5 s lies outside it.
    const speech = [{ start: 3, end: 11 }, { start: 11, end: 12.25 }, { start: 13.5, end: 20 }, { start: 15.5, end: 17 }];
    run((s) => addSpeechMarkers(s, { clipId: 'c2', speech }, opts));
    expect(snap().markers.filter((m) => m.label.startsWith('Speech')).map((m) => [m.time, m.label])).toEqual([
      [6, 'Speech 1.3 s'],
      [8.5, 'Speech 6.5 s']
    ]);
    expect(refusal(addSpeechMarkers(snap(), { clipId: 'c2', speech }, opts))).toMatch(/^No speech/);
    run((s) => setClipProperties(s, { clipIds: ['c3'], speed: 2 }, opts));
    // c3 shows a2 from 2 s at timeline 12 s, twice as fast: 4 s of speech from 5 s is 2 s of timeline from 13.5 s.
    run((s) => addSpeechMarkers(s, { clipId: 'c3', speech: [{ start: 5, end: 9 }] }, opts));
    expect(snap().markers.find((m) => m.time === 13.5)?.label).toBe('Speech 2.0 s');
    expect(refusal(addSpeechMarkers(snap(), { clipId: 'gone', speech }, opts))).toBe('That clip is no longer on the timeline.');
  });
});

describe('tracks and settings', () => {
  it('add, reorder, mute/solo/lock/hide, duck and delete', () => {
    const { run, snap, opts } = setup();
    const [v3] = run((s) => addTrack(s, { kind: 'video' }, opts)).created;
    const [bottom] = run((s) => addTrack(s, { kind: 'audio', name: 'Voice', index: 0 }, opts)).created;
    expect(snap().tracks.map((t) => t.name)).toEqual(['Voice', 'A1', 'V1', 'V2', 'T1', 'V3']);
    expect(snap().tracks.find((t) => t.id === v3)?.kind).toBe('video');
    run((s) => reorderTrack(s, { trackId: bottom, index: 5 }, opts));
    run((s) => reorderTrack(s, { trackId: 't1', index: 0 }, opts));
    expect(snap().tracks.map((t) => t.name)).toEqual(['T1', 'A1', 'V1', 'V2', 'V3', 'Voice']);
    run((s) => setTrackState(s, { trackId: 'v1', locked: true }, opts));
    run((s) => setTrackState(s, { trackId: 'v1', muted: true, solo: true, hidden: true }, opts)); // allowed while locked
    expect(snap().tracks.find((t) => t.id === 'v1')).toMatchObject({ locked: true, muted: true, solo: true, hidden: true });
    expect(refusal(deleteTrack(snap(), { trackId: 'v1' }, opts))).toBe('Track "V1" is locked.');
    run((s) => setTrackState(s, { trackId: 'v1', locked: false }, opts));
    run((s) => setTrackDucking(s, { trackId: 'a1', byTrackId: bottom, amountDb: 12 }, opts));
    expect(refusal(setTrackDucking(snap(), { trackId: 'v1', byTrackId: bottom }, opts))).toBe('Only audio tracks duck.');
    expect(refusal(setTrackDucking(snap(), { trackId: 'a1', byTrackId: 'a1' }, opts))).toBe('A track cannot duck under itself.');
    run((s) => addTransition(s, { fromClipId: 'c1' }, opts));
    run((s) => deleteTrack(s, { trackId: 'v1' }, opts));
    expect(snap().clips.map((c) => c.id)).toEqual(['tt', 'm1']);
    expect(snap().transitions).toEqual([]);
    run((s) => deleteTrack(s, { trackId: bottom }, opts));
    expect(snap().tracks.find((t) => t.id === 'a1')?.ducking).toBeNull();
  });

  it('re-keys the tracks when two share an order key (two offline peers added one at the same spot)', () => {
    const { project, run, snap, opts } = setup();
    const order = snap().tracks[1].order;
    project.transact(ME, () => project.timeline.tracks.insert(trackSchema.parse(newTrack({ id: 'twin', kind: 'video', name: 'Twin', order }))));
    expect(snap().tracks.map((t) => t.id)).toEqual(['a1', 'twin', 'v1', 'v2', 't1']); // tie broken by id
    run((s) => reorderTrack(s, { trackId: 't1', index: 2 }, opts));
    expect(snap().tracks.map((t) => t.id)).toEqual(['a1', 'twin', 't1', 'v1', 'v2']);
    expect(new Set(snap().tracks.map((t) => t.order)).size).toBe(5);
  });

  it('presets set the frame size and keep the frame rate', () => {
    const { run, snap, opts } = setup();
    run((s) => setSettings(s, { fps: 25 }, opts));
    run((s) => setPreset(s, { preset: 'portrait' }, opts));
    expect(snap().settings).toEqual({ width: 1080, height: 1920, fps: 25 });
    expect(presetOf(snap().settings)).toBe('portrait');
    run((s) => setPreset(s, { preset: 'square' }, opts));
    expect(snap().settings).toEqual({ width: 1080, height: 1080, fps: 25 });
    expect(refusal(setSettings(snap(), { width: 1001 }, opts))).toBe('Width and height must be even.');
  });
});

describe('commands', () => {
  function ctxFor(project: ProjectDoc, userId: string, role: Role = 'editor'): CommandContext {
    const ctx: CommandContext = {
      project,
      origin: userOrigin(userId),
      role,
      user: { id: userId, name: userId },
      timeline: { assetDurations: DURATIONS, newId: counterIds(`${userId}-`) }
    };
    ctx.undoManager = new Y.UndoManager(project.timeline.undoScope, { trackedOrigins: new Set([ctx.origin]), captureTimeout: 0 });
    return ctx;
  }

  it('bind S to split, Delete to delete and Shift+Delete to ripple delete, acting on the playhead and selection', () => {
    expect(splitClipsCommand.keys).toEqual(['s']);
    expect(deleteClipsCommand.keys).toContain('Delete');
    expect(rippleDeleteClipsCommand.keys).toContain('Shift-Delete');
    expect(addMarkerCommand.keys).toEqual(['m']);
    expect(duplicateClipsCommand.keys).toEqual(['Mod-d']);
    expect(pasteClipsCommand.keys).toEqual(['Mod-v']);

    const project = fixtureProject();
    const ctx = ctxFor(project, 'ed');
    ctx.timeline = { ...ctx.timeline, playhead: 13, selection: ['c3'] };
    expect(runCommand(splitClipsCommand, ctx, {})).toBe(true);
    expect(project.timeline.snapshot().clips.find((c) => c.id === 'c3')?.out).toBe(3);
    ctx.timeline = { ...ctx.timeline, selection: ['c2'] };
    expect(runCommand(rippleDeleteClipsCommand, ctx, {})).toBe(true);
    expect(project.timeline.snapshot().clips.find((c) => c.id === 'c3')?.start).toBe(7);
    ctx.timeline = { ...ctx.timeline, selection: ['c1'] };
    expect(runCommand(deleteClipsCommand, ctx, {})).toBe(true);
    expect(project.timeline.snapshot().clips.map((c) => c.id)).not.toContain('c1');
  });

  it('refuse viewers and impossible edits with a reason, leaving the document untouched', () => {
    const project = fixtureProject();
    const before = Y.encodeStateAsUpdate(project.doc);
    const viewer = ctxFor(project, 'v', 'viewer');
    expect(runCommand(moveClipsCommand, viewer, { clipIds: ['c3'], start: 30 })).toBe(false);
    expect(moveClipsCommand.refusal(viewer, { clipIds: ['c3'], start: 30 })).toBe('Viewers cannot change the timeline.');
    const editor = ctxFor(project, 'e');
    expect(runCommand(trimClipCommand, editor, { clipId: 'c3', edge: 'end', time: 30 })).toBe(false);
    expect(trimClipCommand.refusal(editor, { clipId: 'c3', edge: 'end', time: 30 })).toBe('The source has no more media after this point (it lasts 8 s).');
    expect(trimClipCommand.refusal(editor, { clipId: 'c3', edge: 'end', time: 15 })).toBeNull();
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
  });

  it('one gesture is one undo step; undo and redo restore the exact snapshot', () => {
    const project = fixtureProject();
    const ctx = ctxFor(project, 'u');
    const snapshots = [project.timeline.snapshot()];
    const gestures = [
      () => runCommand(moveClipsCommand, ctx, { clipIds: ['c3'], start: 8, ripple: true }), // a move, a split and a push in one step
      () => runCommand(rippleDeleteClipsCommand, ctx, { clipIds: ['c1'] }),
      () => runCommand(duplicateClipsCommand, ctx, { clipIds: ['c2'], ripple: true }),
      () => runCommand(setTimelinePresetCommand, ctx, { preset: 'square' }),
      () => runCommand(addMarkerCommand, ctx, { time: 1, label: 'x' })
    ];
    for (const gesture of gestures) {
      expect(gesture()).toBe(true);
      snapshots.push(project.timeline.snapshot());
    }
    for (let i = gestures.length - 1; i >= 0; i--) {
      expect(runCommand(undo, ctx, undefined)).toBe(true);
      expect(project.timeline.snapshot()).toEqual(snapshots[i]);
    }
    expect(undo.predicate(ctx, undefined)).toBe(false);
    for (let i = 1; i <= gestures.length; i++) {
      expect(runCommand(redo, ctx, undefined)).toBe(true);
      expect(project.timeline.snapshot()).toEqual(snapshots[i]);
    }
  });

  it('undo is per user: A undoes A’s edit and keeps B’s', () => {
    const project = fixtureProject();
    const [a, b] = [ctxFor(project, 'a'), ctxFor(project, 'b')];
    const start = project.timeline.snapshot();
    expect(runCommand(moveClipsCommand, a, { clipIds: ['c3'], start: 20 })).toBe(true);
    expect(runCommand(trimClipCommand, b, { clipId: 'c1', edge: 'end', time: 4 })).toBe(true);
    const afterB = project.timeline.snapshot();
    expect(runCommand(undo, a, undefined)).toBe(true);
    const s = project.timeline.snapshot();
    expect(s.clips.find((c) => c.id === 'c3')).toEqual(start.clips.find((c) => c.id === 'c3'));
    expect(s.clips.find((c) => c.id === 'c1')).toEqual(afterB.clips.find((c) => c.id === 'c1'));
    expect(runCommand(undo, a, undefined)).toBe(false);
    expect(runCommand(undo, b, undefined)).toBe(true);
    expect(project.timeline.snapshot()).toEqual(start);
    expect(runCommand(redo, a, undefined)).toBe(true);
    expect(project.timeline.snapshot().clips.find((c) => c.id === 'c3')?.start).toBe(20);
  });

  it('undoing a track deletion brings back its clips and their transitions', () => {
    const project = fixtureProject();
    const ctx = ctxFor(project, 'u');
    applyResult(project, ctx.origin, addTransition(project.timeline.snapshot(DURATIONS), { fromClipId: 'c1' }, { assetDurations: DURATIONS }));
    ctx.undoManager!.clear();
    const before = project.timeline.snapshot();
    applyResult(project, ctx.origin, deleteTrack(before, { trackId: 'v1' }));
    expect(project.timeline.snapshot().clips.map((c) => c.id)).toEqual(['m1', 'tt']);
    expect(runCommand(undo, ctx, undefined)).toBe(true);
    expect(project.timeline.snapshot()).toEqual(before);
  });
});

describe('keyframe easing', () => {
  it('has the render filter graph’s curves (quadratic in/out, smoothstep in-out), so a cut keeps the value rendered there', () => {
    expect([0, 0.25, 0.5, 1].map((p) => ease('ease-in', p))).toEqual([0, 0.0625, 0.25, 1]);
    expect([0, 0.25, 0.5, 1].map((p) => ease('ease-out', p))).toEqual([0, 0.4375, 0.75, 1]);
    expect([0, 0.25, 0.5, 1].map((p) => ease('ease-in-out', p))).toEqual([0, 0.15625, 0.5, 1]);
  });
});

describe('observing', () => {
  it('an observer reading the snapshot sees the transaction it is told about', () => {
    const project = new ProjectDoc(new Y.Doc());
    const timeline = project.timeline;
    expect(timeline.snapshot().tracks).toHaveLength(0); // primes the cache
    const seen: number[] = [];
    const stop = timeline.observe(() => seen.push(timeline.snapshot().tracks.length));
    project.transact(SERVER_ORIGIN, (p) => p.timeline.apply([{ op: 'insert', kind: 'track', record: newTrack({ kind: 'video', name: 'V1', order: 'a0' }) }]));
    project.transact(SERVER_ORIGIN, (p) => p.timeline.apply([{ op: 'insert', kind: 'track', record: newTrack({ kind: 'audio', name: 'A1', order: 'a1' }) }]));
    stop();
    expect(seen).toEqual([1, 2]);
  });
});
