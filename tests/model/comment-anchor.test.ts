import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { commentSchema } from '$lib/editor/model/comment';
import { userOrigin } from '$lib/editor/model/origin';
import { anchorAt, placeAnchor, placedComments } from '$lib/editor/model/timeline/comment-anchor';
import { deleteClips, moveClips, splitClips, trimClip, type OperationOptions } from '$lib/editor/model/timeline/operations';
import { applyResult, counterIds, DURATIONS, fixtureProject } from '../helpers/timeline';

// Comments pinned to a moment of a clip: the fixture's c2 plays a1 10–15 s at timeline 5–10 s.
const ME = userOrigin('me');

function setup() {
  const project = fixtureProject();
  const opts: OperationOptions = { assetDurations: DURATIONS, newId: counterIds('n') };
  const ctx: CommandContext = { project, origin: ME, role: 'editor', user: { id: 'me', name: 'Ann' } };
  const snap = () => project.timeline.snapshot(DURATIONS);
  const c2 = () => snap().clips.find((c) => c.id === 'c2')!;
  return { project, opts, ctx, snap, c2 };
}

describe('comments pinned to a clip', () => {
  it('point at the source moment shown at the playhead', () => {
    const { c2 } = setup();
    expect(anchorAt(c2(), 7)).toEqual({ clipId: 'c2', assetId: 'a1', sourceTime: 12, time: 7 });
    // Past the clip's end: its last moment.
    expect(anchorAt(c2(), 99)).toMatchObject({ sourceTime: 15, time: 10 });
  });

  it('follow the clip when it moves, is trimmed, or is split; keep their place when it is deleted', () => {
    const { project, opts, ctx, snap, c2 } = setup();
    expect(runCommand(addComment, ctx, { body: 'Cut on the clap', anchor: anchorAt(c2(), 7) })).toBe(true);
    const comment = project.comments.all()[0];
    expect(comment.anchor).toMatchObject({ clipId: 'c2', sourceTime: 12 });
    const at = () => placedComments(project.comments.all(), snap())[0];
    expect(at()).toMatchObject({ time: 7, clipId: 'c2' });

    applyResult(project, ME, moveClips(snap(), { clipIds: ['c2'], start: 30 }, opts));
    expect(at()).toMatchObject({ time: 32, clipId: 'c2' });

    // Trimming the head keeps the moment where it is on the timeline.
    applyResult(project, ME, trimClip(snap(), { clipId: 'c2', edge: 'start', time: 31 }, opts));
    expect(at().time).toBeCloseTo(32, 6);

    // Split before the moment: the right-hand part shows it now.
    const split = applyResult(project, ME, splitClips(snap(), { time: 31.5, clipIds: ['c2'] }, opts));
    const right = split.created[0];
    expect(at()).toMatchObject({ clipId: right });
    expect(at().time).toBeCloseTo(32, 6);

    applyResult(project, ME, deleteClips(snap(), { clipIds: [right] }, opts));
    expect(at()).toEqual({ comment: expect.anything(), time: 7, clipId: null });
  });

  it('survive a sync to another replica and reject hostile anchors on read', () => {
    const { project, ctx, c2 } = setup();
    runCommand(addComment, ctx, { body: 'Louder here', anchor: anchorAt(c2(), 6) });
    const other = fixtureProject();
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(project.doc));
    expect(placeAnchor(other.comments.all()[0].anchor!, other.timeline.snapshot(DURATIONS))).toEqual({ time: 6, clipId: 'c2' });
    expect(commentSchema.safeParse({ ...other.comments.all()[0], anchor: { clipId: 'c2', assetId: null, sourceTime: -1, time: 0 } }).success).toBe(false);
    // Comments written before anchors existed read as unpinned.
    const { anchor: _, ...legacy } = other.comments.all()[0];
    expect(commentSchema.parse(legacy).anchor).toBeNull();
  });
});
