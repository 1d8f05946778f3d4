import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { userOrigin } from '$lib/editor/model/origin';
import type { ProjectDoc } from '$lib/editor/model/project-doc';
import type { Role } from '$lib/editor/model/role';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { undo } from '$lib/editor/commands/undo';
import { editTransitionCommand } from '$lib/editor/commands/timeline/edit-transition';
import { removeKeyframeCommand } from '$lib/editor/commands/timeline/remove-keyframe';
import { setClipPropertiesCommand } from '$lib/editor/commands/timeline/set-clip-properties';
import { setKeyframeCommand } from '$lib/editor/commands/timeline/set-keyframe';
import { setTitleStyleCommand } from '$lib/editor/commands/timeline/set-title-style';
import { applyChanges } from '$lib/editor/model/timeline/changes';
import { newTitleClip } from '$lib/editor/model/timeline/clip';
import { valueAt } from '$lib/editor/model/timeline/keyframes';
import {
  addTransition,
  editTransition,
  insertClip,
  removeKeyframe,
  setClipProperties,
  setKeyframe,
  setTitleStyle,
  setTrackState,
  type OperationOptions,
  type OperationResult
} from '$lib/editor/model/timeline/operations';
import { clipDuration, type TimelineSnapshot } from '$lib/editor/model/timeline/snapshot';
import { validateSnapshot } from '$lib/editor/model/timeline/validate';
import { applyResult, counterIds, DURATIONS, fixtureProject, refusal } from '../helpers/timeline';

const ME = userOrigin('me');

/** The fixture (tests/helpers/timeline.ts): V1 c1 [0,5) c2 [5,10) c3 [12,16) · A1 m1 [0,20) · T1 title tt [2,5). */
function setup() {
  const project = fixtureProject();
  const opts: OperationOptions = { assetDurations: DURATIONS, newId: counterIds('n') };
  const snap = () => project.timeline.snapshot(DURATIONS);
  const clip = (id: string) => snap().clips.find((c) => c.id === id)!;
  /** Runs the operation on the current snapshot, writes it, and checks what is stored is what it computed, and sound. */
  const run = (op: (s: TimelineSnapshot) => OperationResult) => {
    const before = snap();
    const result = applyResult(project, ME, op(before));
    expect(snap()).toEqual(applyChanges(before, result.changes));
    expect(validateSnapshot(snap(), DURATIONS)).toEqual([]);
    return result;
  };
  return { project, opts, snap, clip, run };
}

describe('set clip properties', () => {
  it('sets volume, fades, opacity and a partial transform (crop edges too), leaving the rest as it was', () => {
    const { opts, clip, run } = setup();
    const [c1Before, c2Before] = [clip('c1'), clip('c2')];
    run((s) => setClipProperties(s, { clipIds: ['c1'], volume: 0.5, fadeIn: 1, fadeOut: 0.5, opacity: 0.25, transform: { x: 120, scale: 1.5, crop: { left: 0.1 } } }, opts));
    const after = clip('c1');
    expect(after).toMatchObject({ volume: 0.5, fadeIn: 1, fadeOut: 0.5, opacity: 0.25, start: 0, in: 0, out: 5, speed: 1 });
    expect(after.transform).toEqual({ x: 120, y: 0, scale: 1.5, rotation: 0, crop: { top: 0, right: 0, bottom: 0, left: 0.1 } });
    run((s) => setClipProperties(s, { clipIds: ['c1'], transform: { rotation: -45, crop: { right: 0.2 } } }, opts));
    expect(clip('c1').transform).toEqual({ x: 120, y: 0, scale: 1.5, rotation: -45, crop: { top: 0, right: 0.2, bottom: 0, left: 0.1 } });
    expect(clip('c2')).toEqual(c2Before);
    expect(clip('c1').keyframes).toEqual(c1Before.keyframes);
  });

  it('applies to every selected clip a field fits: volume to media, opacity and transform to pictures', () => {
    const { opts, clip, run } = setup();
    run((s) => setClipProperties(s, { clipIds: ['c1', 'c3', 'm1', 'tt'], volume: 2, opacity: 0.5 }, opts));
    expect(['c1', 'c3', 'm1', 'tt'].map((id) => [clip(id).volume, clip(id).opacity])).toEqual([
      [2, 0.5],
      [2, 0.5],
      [2, 1], // an audio clip has no picture
      [1, 0.5] // a title has no sound
    ]);
    expect(clip('c2').volume).toBe(1);
  });

  it('refuses values out of range, fields that fit none of the clips, and missing or locked clips, saying what to do', () => {
    const { opts, snap, run } = setup();
    const s = snap();
    const why = (args: Parameters<typeof setClipProperties>[1]) => refusal(setClipProperties(s, args, opts));
    expect(why({ clipIds: ['c1'], volume: 5 })).toBe('Volume goes from silent (−∞ dB) to +12 dB (400 %): enter a value in that range.');
    expect(why({ clipIds: ['c1'], volume: -0.1 })).toBe('Volume goes from silent (−∞ dB) to +12 dB (400 %): enter a value in that range.');
    expect(why({ clipIds: ['c1'], opacity: 1.5 })).toBe('Opacity goes between 0 % and 100 %: enter a value in that range.');
    expect(why({ clipIds: ['c1'], opacity: Number.NaN })).toBe('Enter a number for Opacity.');
    expect(why({ clipIds: ['c1'], transform: { scale: 0 } })).toBe('Scale goes between 1 % and 800 %: enter a value in that range.');
    expect(why({ clipIds: ['c1'], transform: { scale: 9 } })).toBe('Scale goes between 1 % and 800 %: enter a value in that range.');
    expect(why({ clipIds: ['c1'], transform: { crop: { top: 1.2 } } })).toBe('Crop top is between 0 % and 100 % of the picture: enter a value in that range.');
    expect(why({ clipIds: ['c1'], transform: { crop: { left: 0.6, right: 0.4 } } })).toBe('The crop leaves no picture: crop less from the left and right.');
    expect(why({ clipIds: ['c1'], speed: 20 })).toBe('Speed goes from 0.01× to 16×: enter a value in that range.');
    expect(why({ clipIds: ['c1'], speed: 0 })).toBe('Speed goes from 0.01× to 16×: enter a value in that range.');
    expect(why({ clipIds: ['c1'], fadeIn: -1 })).toBe('Enter a fade in of 0 s or more.');
    expect(why({ clipIds: ['c1', 'c3'], fadeOut: 4.5 })).toBe('The clip at 12 s lasts 4 s, too short for a 4.5 s fade out: enter at most 4 s.');
    expect(why({ clipIds: ['tt'], volume: 0.5 })).toBe('Titles have no sound: volume applies to audio and video clips.');
    expect(why({ clipIds: ['m1'], opacity: 0.5 })).toBe('Audio clips have no picture: opacity and transform apply to video and title clips.');
    expect(why({ clipIds: ['tt'], speed: 2 })).toBe('A title has no speed: trim it to change how long it shows.');
    expect(why({ clipIds: [], volume: 1 })).toBe('Select the clips to change.');
    expect(why({ clipIds: ['gone'], volume: 1 })).toBe('A clip you are editing is no longer on the timeline.');
    run((s) => setTrackState(s, { trackId: 'v1', locked: true }, opts));
    expect(refusal(setClipProperties(snap(), { clipIds: ['c1'], volume: 1.5 }, opts))).toBe('Track "V1" is locked.');
  });

  it('a fade the user sets makes the other give way; both set longer than the clip shrink together', () => {
    const { opts, clip, run } = setup();
    run((s) => setClipProperties(s, { clipIds: ['c1'], fadeIn: 1, fadeOut: 2 }, opts));
    run((s) => setClipProperties(s, { clipIds: ['c1'], fadeIn: 4 }, opts));
    expect([clip('c1').fadeIn, clip('c1').fadeOut]).toEqual([4, 1]);
    run((s) => setClipProperties(s, { clipIds: ['c1'], fadeIn: 3, fadeOut: 3 }, opts));
    expect([clip('c1').fadeIn, clip('c1').fadeOut]).toEqual([2.5, 2.5]);
  });

  it('speed keeps the start and the source range; the length, keyframes and fades follow the content', () => {
    const { opts, clip, run } = setup();
    run((s) => setClipProperties(s, { clipIds: ['c1'], fadeIn: 1, fadeOut: 3 }, opts));
    run((s) => setKeyframe(s, { clipId: 'c1', property: 'opacity', t: 4, value: 0.2, easing: 'ease-in' }, opts));
    run((s) => setClipProperties(s, { clipIds: ['c1'], speed: 2 }, opts));
    const c1 = clip('c1');
    expect(c1).toMatchObject({ start: 0, in: 0, out: 5, speed: 2 });
    expect(clipDuration(c1)).toBe(2.5);
    expect(c1.keyframes.opacity).toEqual([{ t: 2, value: 0.2, easing: 'ease-in' }]); // the same frame, now at 2 s
    expect(c1.fadeIn + c1.fadeOut).toBeCloseTo(2.5, 6);
    expect(c1.fadeIn / c1.fadeOut).toBeCloseTo(1 / 3, 6);
    expect(clip('c2').start).toBe(5); // a gap opens after it, as in Premiere without ripple
  });

  it('a slower clip that would run into the next is refused; with ripple the later clips on its track move', () => {
    const { opts, snap, clip, run } = setup();
    expect(refusal(setClipProperties(snap(), { clipIds: ['c1'], speed: 0.5 }, opts))).toBe(
      'At 0.5× the clip at 0 s would run into the next clip on track "V1": make room after it, or ripple to move the later clips.'
    );
    run((s) => setClipProperties(s, { clipIds: ['c1'], speed: 0.5, ripple: true }, opts));
    expect([clip('c1').start, clipDuration(clip('c1')), clip('c2').start, clip('c3').start, clip('m1').start]).toEqual([0, 10, 10, 17, 0]);
    // The last clip on a track has room; several selected clips ripple each other.
    run((s) => setClipProperties(s, { clipIds: ['c3'], speed: 0.5 }, opts));
    expect(clipDuration(clip('c3'))).toBe(8);
    run((s) => setClipProperties(s, { clipIds: ['c1', 'c2'], speed: 2, ripple: true }, opts));
    expect([clip('c1').start, clip('c2').start, clip('c3').start]).toEqual([0, 2.5, 7]); // c1 lost 7.5 s, c2 2.5 s
  });

  it('a transition stays on a cut that a ripple speed change keeps, and goes with a cut that opens', () => {
    const { opts, snap, run } = setup();
    run((s) => addTransition(s, { fromClipId: 'c1', duration: 1 }, opts));
    run((s) => setClipProperties(s, { clipIds: ['c1'], speed: 2, ripple: true }, opts));
    expect(snap().transitions).toMatchObject([{ fromClipId: 'c1', toClipId: 'c2', duration: 1 }]);
    run((s) => setClipProperties(s, { clipIds: ['c1'], speed: 4 }, opts));
    expect(snap().transitions).toEqual([]);
  });

  it('changes nothing (and writes nothing) when the values are already set', () => {
    const { opts, snap } = setup();
    const r = setClipProperties(snap(), { clipIds: ['c1', 'c2'], volume: 1, opacity: 1, speed: 1, transform: { x: 0, crop: { top: 0 } } }, opts);
    expect(r).toEqual({ ok: true, changes: [], created: [] });
  });
});

describe('keyframes', () => {
  it('adds keyframes in time order, replaces the one at the same time, and reads eased values between them', () => {
    const { opts, clip, run } = setup();
    run((s) => setKeyframe(s, { clipId: 'c3', property: 'volume', t: 3, value: 0, easing: 'linear' }, opts));
    run((s) => setKeyframe(s, { clipId: 'c3', property: 'volume', t: 1, value: 2, easing: 'ease-in' }, opts));
    expect(clip('c3').keyframes.volume).toEqual([
      { t: 1, value: 2, easing: 'ease-in' },
      { t: 3, value: 0, easing: 'linear' }
    ]);
    expect(valueAt(clip('c3').keyframes.volume!, 2)).toBe(1.5); // ease-in at halfway: 2 − 2 × 0.25
    run((s) => setKeyframe(s, { clipId: 'c3', property: 'volume', t: 1, value: 1, easing: 'linear' }, opts));
    expect(clip('c3').keyframes.volume).toEqual([
      { t: 1, value: 1, easing: 'linear' },
      { t: 3, value: 0, easing: 'linear' }
    ]);
    expect(valueAt(clip('c3').keyframes.volume!, 2)).toBe(0.5);
    run((s) => setKeyframe(s, { clipId: 'c3', property: 'x', t: 0, value: -300 }, opts));
    expect(clip('c3').keyframes.x).toEqual([{ t: 0, value: -300, easing: 'linear' }]);
    expect(clip('c3').keyframes.volume).toHaveLength(2);
  });

  it('refuses keyframes outside the clip, out of range, or for a property the clip does not have', () => {
    const { opts, snap } = setup();
    const s = snap();
    expect(refusal(setKeyframe(s, { clipId: 'c3', property: 'opacity', t: 4.5, value: 1 }, opts))).toBe('A keyframe goes inside its clip: put the playhead over the clip.');
    expect(refusal(setKeyframe(s, { clipId: 'c3', property: 'opacity', t: -1, value: 1 }, opts))).toBe('A keyframe goes inside its clip: put the playhead over the clip.');
    expect(refusal(setKeyframe(s, { clipId: 'c3', property: 'opacity', t: 1, value: 2 }, opts))).toBe('Opacity goes between 0 % and 100 %: enter a value in that range.');
    expect(refusal(setKeyframe(s, { clipId: 'tt', property: 'volume', t: 1, value: 1 }, opts))).toBe('Titles have no sound: volume applies to audio and video clips.');
    expect(refusal(setKeyframe(s, { clipId: 'm1', property: 'rotation', t: 1, value: 10 }, opts))).toBe('Audio clips have no picture: opacity and transform apply to video and title clips.');
    expect(refusal(setKeyframe(s, { clipId: 'c3', property: 'opacity', t: 1, value: 1, easing: 'bounce' as never }, opts))).toBe('Easing is one of linear, ease-in, ease-out, ease-in-out.');
    expect(refusal(setKeyframe(s, { clipId: 'gone', property: 'opacity', t: 1, value: 1 }, opts))).toBe('A clip you are editing is no longer on the timeline.');
  });

  it('removes one keyframe; removing the last one keeps its value on the clip, so nothing jumps', () => {
    const { opts, snap, clip, run } = setup();
    run((s) => setKeyframe(s, { clipId: 'c1', property: 'scale', t: 0, value: 1 }, opts));
    run((s) => setKeyframe(s, { clipId: 'c1', property: 'scale', t: 2, value: 2.5 }, opts));
    run((s) => removeKeyframe(s, { clipId: 'c1', property: 'scale', t: 0 }, opts));
    expect(clip('c1').keyframes.scale).toEqual([{ t: 2, value: 2.5, easing: 'linear' }]);
    expect(refusal(removeKeyframe(snap(), { clipId: 'c1', property: 'scale', t: 1 }, opts))).toBe('There is no Scale keyframe at 1 s in this clip.');
    run((s) => removeKeyframe(s, { clipId: 'c1', property: 'scale', t: 2 }, opts));
    expect(clip('c1').keyframes).toEqual({});
    expect(clip('c1').transform.scale).toBe(2.5);
    run((s) => setKeyframe(s, { clipId: 'c1', property: 'opacity', t: 1, value: 0.4 }, opts));
    run((s) => removeKeyframe(s, { clipId: 'c1', property: 'opacity', t: 1 }, opts));
    expect(clip('c1').opacity).toBe(0.4);
  });
});

describe('title style', () => {
  it('sets text, font, size, colour, position and animations on every selected title', () => {
    const { opts, clip, run } = setup();
    run((s) => insertClip(s, { clip: newTitleClip({ id: 'tt2', trackId: 't1', start: 6, duration: 2, text: 'Bye' }) }, opts));
    run((s) => setTitleStyle(s, { clipIds: ['tt'], text: '  Opening night \n', font: 'DejaVu Serif', color: '#ffcc00', x: 0.25, y: 0.9, animationIn: 'slide-up' }, opts));
    expect(clip('tt').title).toMatchObject({ text: 'Opening night', font: 'DejaVu Serif', color: '#ffcc00', x: 0.25, y: 0.9, animationIn: 'slide-up', animationOut: 'fade', size: 96 });
    run((s) => setTitleStyle(s, { clipIds: ['tt', 'tt2'], size: 120, animationOut: 'none' }, opts));
    expect([clip('tt').title, clip('tt2').title]).toMatchObject([
      { text: 'Opening night', size: 120, animationOut: 'none' },
      { text: 'Bye', size: 120, animationOut: 'none' }
    ]);
  });

  it('a box is turned on with defaults, edited one field at a time, and turned off', () => {
    const { opts, clip, run } = setup();
    run((s) => setTitleStyle(s, { clipIds: ['tt'], box: { padding: 24 } }, opts));
    expect(clip('tt').title!.box).toEqual({ color: '#000000b3', padding: 24 });
    run((s) => setTitleStyle(s, { clipIds: ['tt'], box: { color: '#112233' } }, opts));
    expect(clip('tt').title!.box).toEqual({ color: '#112233', padding: 24 });
    run((s) => setTitleStyle(s, { clipIds: ['tt'], box: null }, opts));
    expect(clip('tt').title!.box).toBeNull();
  });

  it('refuses non-titles and invalid styles with what to do', () => {
    const { opts, snap } = setup();
    const s = snap();
    const why = (args: Parameters<typeof setTitleStyle>[1]) => refusal(setTitleStyle(s, args, opts));
    expect(why({ clipIds: ['tt', 'c1'], size: 50 })).toBe('Only titles have text and a title style: select title clips only.');
    expect(why({ clipIds: ['tt'], text: '   ' })).toBe('A title needs text: type some, or delete the title.');
    expect(why({ clipIds: ['tt'], text: 'x'.repeat(501) })).toBe('A title has at most 500 characters: shorten the text.');
    expect(why({ clipIds: ['tt'], size: 0 })).toBe('Text size goes from 1 to 1000 px: enter a value in that range.');
    expect(why({ clipIds: ['tt'], color: 'red' })).toBe('A colour is #rrggbb or #rrggbbaa.');
    expect(why({ clipIds: ['tt'], x: 1.2 })).toBe('Text position is between 0 % and 100 % of the frame: enter a value in that range.');
    expect(why({ clipIds: ['tt'], box: { padding: 900 } })).toBe('Box padding goes from 0 to 500 px: enter a value in that range.');
    expect(why({ clipIds: ['tt'], font: ' ' })).toBe('Choose a font (a name of at most 100 characters).');
    expect(why({ clipIds: [] })).toBe('Select the titles to change.');
  });
});

describe('edit transition', () => {
  it('changes kind and duration within what the cut allows, refusing beyond it with the limit', () => {
    const { opts, snap, run } = setup();
    const id = run((s) => addTransition(s, { fromClipId: 'c1', duration: 1 }, opts)).created[0];
    run((s) => editTransition(s, { id, kind: 'fadeblack', duration: 2 }, opts));
    expect(snap().transitions).toEqual([{ id, fromClipId: 'c1', toClipId: 'c2', kind: 'fadeblack', duration: 2 }]);
    // c1 and c2 last 5 s: a centred transition takes at most all of each.
    expect(refusal(editTransition(snap(), { id, duration: 6 }, opts))).toBe(
      'This cut has room for at most 5 s of transition: enter a shorter duration, or trim the clips to leave more media beyond the cut.'
    );
    expect(refusal(editTransition(snap(), { id, duration: 0.05 }, opts))).toBe('A transition lasts at least 0.1 s: enter a longer duration.');
    expect(refusal(editTransition(snap(), { id, duration: 12 }, opts))).toBe('A transition lasts at most 10 s: enter a shorter duration.');
    expect(refusal(editTransition(snap(), { id, kind: 'spin' as never }, opts))).toMatch(/^A transition is one of fade, fadeblack/);
    expect(refusal(editTransition(snap(), { id: 'nope', duration: 1 }, opts))).toBe('That transition is no longer on the timeline.');
    run((s) => editTransition(s, { id, duration: 5 }, opts));
    expect(snap().transitions[0]).toMatchObject({ kind: 'fadeblack', duration: 5 });
    run((s) => setTrackState(s, { trackId: 'v1', locked: true }, opts));
    expect(refusal(editTransition(snap(), { id, kind: 'fade' }, opts))).toBe('Track "V1" is locked.');
  });
});

describe('inspector commands', () => {
  function ctxFor(project: ProjectDoc, userId: string, role: Role = 'editor', selection: string[] = []): CommandContext {
    const ctx: CommandContext = {
      project,
      origin: userOrigin(userId),
      role,
      user: { id: userId, name: userId },
      timeline: { assetDurations: DURATIONS, newId: counterIds(`${userId}-`), selection }
    };
    ctx.undoManager = new Y.UndoManager(project.timeline.undoScope, { trackedOrigins: new Set([ctx.origin]), captureTimeout: 0 });
    return ctx;
  }

  it('each command is one undo step of its user; a teammate’s edits stay when one undoes', () => {
    const project = fixtureProject();
    const a = ctxFor(project, 'a', 'editor', ['c1', 'c2']);
    const b = ctxFor(project, 'b');
    const clip = (id: string) => project.timeline.snapshot(DURATIONS).clips.find((c) => c.id === id)!;
    const id = applyResult(project, userOrigin('server'), addTransition(project.timeline.snapshot(DURATIONS), { fromClipId: 'c1' }, { assetDurations: DURATIONS })).created[0];

    expect(runCommand(setClipPropertiesCommand, a, { volume: 0.5, opacity: 0.5 })).toBe(true); // on the selection
    expect([clip('c1').volume, clip('c2').opacity]).toEqual([0.5, 0.5]);
    expect(runCommand(setKeyframeCommand, a, { clipId: 'c1', property: 'opacity', t: 1, value: 0.8, easing: 'ease-out' })).toBe(true);
    expect(runCommand(setTitleStyleCommand, b, { clipIds: ['tt'], text: 'Credits' })).toBe(true);
    expect(runCommand(editTransitionCommand, a, { id, kind: 'wipeleft' })).toBe(true);
    expect(runCommand(removeKeyframeCommand, a, { clipId: 'c1', property: 'opacity', t: 1 })).toBe(true);
    expect(clip('c1')).toMatchObject({ keyframes: {}, opacity: 0.8 });

    for (const check of [
      () => expect(clip('c1')).toMatchObject({ keyframes: { opacity: [{ t: 1, value: 0.8, easing: 'ease-out' }] }, opacity: 0.5 }),
      () => expect(project.timeline.snapshot(DURATIONS).transitions[0].kind).toBe('fade'),
      () => expect(clip('c1').keyframes).toEqual({}),
      () => expect([clip('c1').volume, clip('c2').opacity]).toEqual([1, 1])
    ]) {
      expect(runCommand(undo, a, undefined)).toBe(true);
      check();
    }
    expect(clip('tt').title!.text).toBe('Credits'); // B's edit survives all of A's undos
  });

  it('refuse viewers and impossible edits with the operation’s reason, writing nothing', () => {
    const project = fixtureProject();
    const before = Y.encodeStateAsUpdate(project.doc);
    const viewer = ctxFor(project, 'v', 'viewer', ['c1']);
    expect(setClipPropertiesCommand.refusal(viewer, { volume: 0.5 })).toBe('Viewers cannot change the timeline.');
    expect(runCommand(setClipPropertiesCommand, viewer, { volume: 0.5 })).toBe(false);
    const editor = ctxFor(project, 'e', 'editor', ['c1']);
    expect(setClipPropertiesCommand.refusal(editor, { speed: 0.5 })).toBe('At 0.5× the clip at 0 s would run into the next clip on track "V1": make room after it, or ripple to move the later clips.');
    expect(setTitleStyleCommand.refusal(editor, { size: 20 })).toBe('Only titles have text and a title style: select title clips only.');
    expect(setKeyframeCommand.refusal(editor, { clipId: 'c1', property: 'volume', t: 9, value: 1 })).toBe('A keyframe goes inside its clip: put the playhead over the clip.');
    expect(runCommand(setClipPropertiesCommand, editor, { speed: 0.5 })).toBe(false);
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
  });
});
