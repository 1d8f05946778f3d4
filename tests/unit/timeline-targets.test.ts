import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { insertTitleCommand } from '$lib/editor/commands/timeline/insert-title';
import { userOrigin } from '$lib/editor/model/origin';
import { applyChanges } from '$lib/editor/model/timeline/changes';
import { newClip } from '$lib/editor/model/timeline/clip';
import { copyClips } from '$lib/editor/model/timeline/operations';
import { cutsOf, nearestCut } from '$lib/timeline/cuts';
import { commentTarget, pasteTrack, topClipAt } from '$lib/timeline/targets';
import { DURATIONS, fixtureProject } from '../helpers/timeline';

// Fixture (bottom to top): A1 audio m1 [0,20) · V1 c1 [0,5) c2 [5,10) c3 [12,16) · V2 empty · T1 title tt [2,5).
const snapshot = () => fixtureProject().timeline.snapshot(DURATIONS);

describe('cuts', () => {
  it('finds touching clips on one track, with their transition', () => {
    const s = snapshot();
    expect(cutsOf(s).map((c) => `${c.from.id}>${c.to.id}@${c.time}`)).toEqual(['c1>c2@5']);
    const withFade = applyChanges(s, [{ op: 'insert', kind: 'transition', record: { id: 'x1', fromClipId: 'c1', toClipId: 'c2', kind: 'fade', duration: 1 } }]);
    expect(cutsOf(withFade)[0].transition?.id).toBe('x1');
  });

  it('picks the nearest cut, on a track when asked', () => {
    const s = applyChanges(snapshot(), [{ op: 'insert', kind: 'clip', record: newClip({ id: 'c4', trackId: 'v1', assetId: 'a2', start: 16, in: 0, out: 2 }) }]);
    const cuts = cutsOf(s);
    expect(cuts.map((c) => c.time)).toEqual([5, 16]);
    expect(nearestCut(cuts, 12)?.time).toBe(16);
    expect(nearestCut(cuts, 9)?.time).toBe(5);
    expect(nearestCut(cuts, 9, 'a1')).toBeUndefined();
  });
});

describe('where actions at the playhead land', () => {
  it('pastes on the selected clip’s track, else where the clips came from, else the top track of their kind', () => {
    const s = snapshot();
    const clipboard = copyClips(s, ['c1'])!;
    expect(pasteTrack(s, ['c3'], clipboard)?.id).toBe('v1');
    expect(pasteTrack(s, [], clipboard)?.id).toBe('v1');
    expect(pasteTrack(s, ['m1'], clipboard)?.id).toBe('v1');
    const locked = { ...s, tracks: s.tracks.map((t) => (t.id === 'v1' ? { ...t, locked: true } : t)) };
    expect(pasteTrack(locked, [], clipboard)?.id).toBe('v2');
    const noVideo = { ...s, tracks: s.tracks.filter((t) => t.kind !== 'video') };
    expect(pasteTrack(noVideo, [], clipboard)).toBeUndefined();
  });

  it('pins a comment to a selected clip under the playhead, else the topmost clip there, else the selection', () => {
    const s = snapshot();
    expect(topClipAt(s, 3)?.id).toBe('tt');
    expect(commentTarget(s, [], 3)?.id).toBe('tt');
    expect(commentTarget(s, ['m1'], 3)?.id).toBe('m1');
    expect(commentTarget(s, ['c3'], 3)?.id).toBe('tt');
    expect(commentTarget(s, ['c3'], 30)?.id).toBe('c3');
    expect(commentTarget(s, [], 30)).toBeUndefined();
  });
});

describe('insert title command', () => {
  const ctx = (project: ReturnType<typeof fixtureProject>, playhead: number): CommandContext => {
    const undoManager = new Y.UndoManager(project.timeline.undoScope, { trackedOrigins: new Set([userOrigin('me')]) });
    return { project, origin: userOrigin('me'), role: 'editor', user: { id: 'me', name: 'Ann' }, undoManager, timeline: { playhead, assetDurations: DURATIONS } };
  };

  it('puts a 3 s "Title" on the title track when it has room', () => {
    const project = fixtureProject();
    expect(runCommand(insertTitleCommand, ctx(project, 6), { clipId: 'newtitle' })).toBe(true);
    const clip = project.timeline.snapshot(DURATIONS).clips.find((c) => c.id === 'newtitle');
    expect(clip).toMatchObject({ trackId: 't1', start: 6, out: 3, title: { text: 'Title' } });
  });

  it('adds a title track when the title tracks are taken there, and one undo takes back both', () => {
    const project = fixtureProject();
    const c = ctx(project, 3);
    const tracksBefore = project.timeline.snapshot(DURATIONS).tracks.length;
    expect(runCommand(insertTitleCommand, c, { clipId: 'newtitle' })).toBe(true);
    const s = project.timeline.snapshot(DURATIONS);
    const clip = s.clips.find((x) => x.id === 'newtitle')!;
    const track = s.tracks.find((t) => t.id === clip.trackId)!;
    expect(track).toMatchObject({ kind: 'title', name: 'T2' });
    expect(s.tracks.at(-1)?.id).toBe(track.id);
    c.undoManager!.undo();
    const after = project.timeline.snapshot(DURATIONS);
    expect(after.tracks).toHaveLength(tracksBefore);
    expect(after.clips.some((x) => x.id === 'newtitle')).toBe(false);
  });

  it('is refused for viewers', () => {
    const project = fixtureProject();
    expect(insertTitleCommand.refusal({ ...ctx(project, 6), role: 'viewer' }, {})).toMatch(/Viewers/);
  });
});
