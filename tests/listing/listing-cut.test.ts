import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { insertListingCutCommand } from '$lib/editor/commands/timeline/insert-listing-cut';
import { undo } from '$lib/editor/commands/undo';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { LISTING_CUT_ZOOM, type ListingCutArgs } from '$lib/editor/model/timeline/listing-cut';
import { clipEnd } from '$lib/editor/model/timeline/snapshot';
import { DURATIONS, fixtureProject } from '../helpers/timeline';

// A cut as the worker reports it (30 fps, cuts on beats), written into the timeline by the command the studio's
// "Open in timeline" runs.
const CUT: ListingCutArgs = {
  fps: 30,
  half: 6,
  cuts: [75, 135, 195, 255],
  frames: 360,
  photos: [
    { assetId: 'p1', width: 1600, height: 1067, focus: { x: 0.8, y: 0.5 }, move: 'in' },
    { assetId: 'p2', width: 1067, height: 1600, focus: null, move: 'out' },
    { assetId: 'p3', width: null, height: null, focus: { x: 0.1, y: 0.9 }, move: 'in' }
  ],
  titleText: '12 Elm Street\n$850,000',
  endText: 'Ann Agent\n+1 555 0100',
  musicAssetId: 'song'
};

function context(project: ProjectDoc): CommandContext {
  const origin = userOrigin('editor');
  return {
    project,
    origin,
    role: 'editor',
    user: { id: 'editor', name: 'Editor' },
    timeline: { assetDurations: { ...DURATIONS, song: 30 } },
    undoManager: new Y.UndoManager(project.timeline.undoScope, { trackedOrigins: new Set([origin]), captureTimeout: 0 })
  } as CommandContext;
}

describe('a listing video as a timeline', () => {
  it('writes photo clips with Ken Burns keyframes, crossfades, title cards and the music after what is there, as one undo step', () => {
    const project = fixtureProject();
    const before = project.timeline.snapshot();
    const end = Math.max(...before.clips.map(clipEnd));
    const ctx = context(project);
    expect(runCommand(insertListingCutCommand, ctx, CUT)).toBe(true);
    const s = project.timeline.snapshot();
    const added = s.clips.filter((c) => !before.clips.some((b) => b.id === c.id));
    const photos = added.filter((c) => c.assetId?.startsWith('p')).sort((a, b) => a.start - b.start);
    expect(photos.map((c) => c.assetId)).toEqual(['p1', 'p2', 'p3']);
    // Each photo from its cut to the next, after the timeline's last clip.
    photos.forEach((c, i) => {
      expect(c.start).toBeCloseTo(end + CUT.cuts[i]! / 30, 6);
      expect(clipEnd(c)).toBeCloseTo(end + CUT.cuts[i + 1]! / 30, 6);
      expect(c.keyframes.scale).toHaveLength(2);
      expect(c.keyframes.x).toHaveLength(2);
    });
    // p1 zooms in by the move's zoom toward a focus right of centre (the picture moves left); p2 zooms out.
    const [k1, k2] = [photos[0]!.keyframes, photos[1]!.keyframes];
    expect(k1.scale![1]!.value / k1.scale![0]!.value).toBeCloseTo(LISTING_CUT_ZOOM, 2);
    expect(k1.x![1]!.value).toBeLessThan(0);
    expect(k2.scale![0]!.value).toBeGreaterThan(k2.scale![1]!.value);
    // A tall photo on a wide canvas is scaled to cover it (fit × the ratio of the aspects).
    expect(k2.scale![1]!.value).toBeCloseTo((1600 / 1067) * (16 / 9), 2);
    const fades = s.transitions.filter((t) => photos.some((c) => c.id === t.fromClipId));
    expect(fades.map((t) => [t.kind, t.duration])).toEqual([
      ['fade', 0.4],
      ['fade', 0.4]
    ]);
    const titles = added.filter((c) => c.title).sort((a, b) => a.start - b.start);
    expect(titles.map((c) => c.title!.text)).toEqual([CUT.titleText, CUT.endText]);
    expect(titles[0]!.start).toBeCloseTo(end, 6);
    expect(clipEnd(titles[1]!)).toBeCloseTo(end + CUT.frames / 30, 6);
    const music = added.find((c) => c.assetId === 'song')!;
    expect(music.start).toBeCloseTo(end, 6);
    expect(clipEnd(music)).toBeCloseTo(end + 12, 6);
    expect(s.tracks.find((t) => t.id === music.trackId)!.kind).toBe('audio');

    expect(runCommand(undo, ctx, undefined)).toBe(true);
    expect(project.timeline.snapshot()).toEqual(before);
  });

  it('fills an empty timeline from 0, and refuses a cut that does not match its photos', () => {
    const project = new ProjectDoc();
    const ctx = context(project);
    expect(runCommand(insertListingCutCommand, ctx, { ...CUT, musicAssetId: null, endText: '' })).toBe(true);
    const s = project.timeline.snapshot();
    expect(Math.min(...s.clips.map((c) => c.start))).toBe(0);
    expect(s.clips.filter((c) => c.title)).toHaveLength(1);
    expect(s.tracks.map((t) => t.kind).sort()).toEqual(['title', 'video']);
    expect(runCommand(insertListingCutCommand, ctx, { ...CUT, cuts: [75] })).toBe(false);
  });
});
