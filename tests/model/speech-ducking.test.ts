import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { runGesture } from '$lib/editor/commands/operation-command';
import { undo } from '$lib/editor/commands/undo';
import { addTrackCommand } from '$lib/editor/commands/timeline/add-track';
import { setTrackDuckingCommand } from '$lib/editor/commands/timeline/set-track-ducking';
import { setTrackStateCommand } from '$lib/editor/commands/timeline/set-track-state';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { newClip } from '$lib/editor/model/timeline/clip';
import type { ClipSnapshot } from '$lib/editor/model/timeline/snapshot';
import { assetsWithoutSpeech, duckDepthAt, speechSpans } from '$lib/editor/model/timeline/speech-ducking';
import { trackSchema } from '$lib/editor/model/timeline/track';
import type { JobJson } from '$lib/job';
import { latestSpeech, SPEECH_PAGE } from '$lib/tool';
import { counterIds } from '../helpers/timeline';

const clip = (c: Pick<ClipSnapshot, 'id' | 'start' | 'in' | 'out'> & { assetId: string; speed?: number }) => newClip({ trackId: 'voice', ...c });
const ramps = { attack: 0.1, release: 0.3 };

describe('speech segments on the timeline', () => {
  it('maps each segment through the clip’s trim, start and speed, and cuts it to the clip', () => {
    const speech = { a: [{ start: 0.5, end: 1.5 }, { start: 3, end: 4 }, { start: 9, end: 12 }], b: [{ start: 1, end: 2 }] };
    const clips = [
      // Plays source 1–10 s from timeline 5 s: the first segment is cut to 1–1.5, the last to 9–10.
      clip({ id: 'c1', assetId: 'a', start: 5, in: 1, out: 10 }),
      // Twice as fast from timeline 20 s: source 1–2 s is heard at 20.5–21.
      clip({ id: 'c2', assetId: 'b', start: 20, in: 0, out: 4, speed: 2 })
    ];
    expect(speechSpans(clips, speech, ramps)).toEqual([
      { start: 5, end: 5.5 },
      { start: 7, end: 8 },
      { start: 13, end: 14 },
      { start: 20.5, end: 21 }
    ]);
  });

  it('merges spans closer than attack + release, keeps the others apart', () => {
    const speech = { a: [{ start: 0, end: 1 }, { start: 1.39, end: 2 }, { start: 2.4, end: 3 }] };
    // Gaps of 0.39 s (merged: under 0.4) and 0.4 s (kept: the duck can just come back up).
    expect(speechSpans([clip({ id: 'c', assetId: 'a', start: 0, in: 0, out: 3 })], speech, ramps)).toEqual([
      { start: 0, end: 2 },
      { start: 2.4, end: 3 }
    ]);
    // Two clips of one asset back to back read as one stretch of speech.
    const twice = [clip({ id: 'c1', assetId: 'a', start: 0, in: 0, out: 1 }), clip({ id: 'c2', assetId: 'a', start: 1, in: 1.39, out: 2 })];
    expect(speechSpans(twice, speech, ramps)).toEqual([{ start: 0, end: 1.61 }]);
  });

  it('ramps down before speech and back up after it', () => {
    const spans = [{ start: 2, end: 3 }];
    expect(duckDepthAt(spans, 1.8, ramps)).toBe(0);
    expect(duckDepthAt(spans, 1.95, ramps)).toBeCloseTo(0.5);
    expect(duckDepthAt(spans, 2, ramps)).toBe(1);
    expect(duckDepthAt(spans, 2.9, ramps)).toBe(1);
    expect(duckDepthAt(spans, 3.15, ramps)).toBeCloseTo(0.5);
    expect(duckDepthAt(spans, 3.3, ramps)).toBe(0);
  });

  it('names the media that has no speech detection yet', () => {
    const clips = [clip({ id: 'c1', assetId: 'a', start: 0, in: 0, out: 1 }), clip({ id: 'c2', assetId: 'b', start: 1, in: 0, out: 1 }), clip({ id: 'c3', assetId: 'b', start: 2, in: 0, out: 1 })];
    expect(assetsWithoutSpeech(clips, { a: [] })).toEqual(['b']);
    expect(assetsWithoutSpeech(clips, { a: [], b: [{ start: 0, end: 1 }] })).toEqual([]);
  });
});

describe('the ducking setting', () => {
  it('reads a ducking written before modes existed as the level ducking it was', () => {
    const track = { id: 'm', kind: 'audio', name: 'Music', order: 'a1', muted: false, solo: false, locked: false, hidden: false };
    expect(trackSchema.parse({ ...track, ducking: { byTrackId: 'v', amountDb: 12 } }).ducking).toEqual({ byTrackId: 'v', amountDb: 12, mode: 'level', attack: 0.02, release: 0.4 });
    expect(trackSchema.safeParse({ ...track, ducking: { byTrackId: 'v', amountDb: 12, mode: 'loud' } }).success).toBe(false);
  });

  function ctxFor(project: ProjectDoc, userId: string): CommandContext {
    const ctx: CommandContext = { project, origin: userOrigin(userId), role: 'editor', user: { id: userId, name: userId }, timeline: { newId: counterIds(`${userId}-`) } };
    ctx.undoManager = new Y.UndoManager(project.timeline.undoScope, { trackedOrigins: new Set([ctx.origin]), captureTimeout: 0 });
    return ctx;
  }

  it('is set by a command, one undo step of its user; bad settings are refused with a reason', () => {
    const project = new ProjectDoc();
    const a = ctxFor(project, 'a');
    const b = ctxFor(project, 'b');
    runCommand(addTrackCommand, a, { kind: 'audio', name: 'Voice' });
    runCommand(addTrackCommand, a, { kind: 'audio', name: 'Music' });
    const [voice, music] = project.timeline.snapshot().tracks;
    const ducking = () => project.timeline.snapshot().tracks.find((t) => t.id === music!.id)!.ducking;

    expect(runCommand(setTrackDuckingCommand, a, { trackId: music!.id, byTrackId: voice!.id })).toBe(true);
    expect(ducking()).toEqual({ byTrackId: voice!.id, amountDb: 12, mode: 'level', attack: 0.05, release: 0.4 });
    expect(runCommand(setTrackDuckingCommand, a, { trackId: music!.id, byTrackId: voice!.id, mode: 'speech', attack: 0.2, amountDb: 15 })).toBe(true);
    expect(ducking()).toEqual({ byTrackId: voice!.id, amountDb: 15, mode: 'speech', attack: 0.2, release: 0.4 });
    expect(runCommand(setTrackStateCommand, b, { trackId: voice!.id, muted: true })).toBe(true);

    expect(runGesture(setTrackDuckingCommand, a, { trackId: music!.id, byTrackId: voice!.id, attack: 3 })).toBe('The attack is 5 ms to 2000 ms.');
    expect(runGesture(setTrackDuckingCommand, a, { trackId: music!.id, byTrackId: voice!.id, mode: 'loud' as never })).toBe('Ducking follows level or speech.');

    expect(runCommand(undo, a, undefined)).toBe(true);
    expect(ducking()).toMatchObject({ mode: 'level', amountDb: 12, attack: 0.05 });
    expect(project.timeline.snapshot().tracks.find((t) => t.id === voice!.id)!.muted).toBe(true);
  });
});

describe('the speech ducking plays by', () => {
  const job = (assetId: string, createdAt: number, start: number): JobJson =>
    ({ type: 'tool.speech', status: 'succeeded', createdAt, input: { assetId }, result: { assetId: null, findings: { speech: [{ start, end: start + 1 }] }, report: null } }) as JobJson;

  it('is each asset’s newest speech detection, paging back through the listing only as far as needed', async () => {
    // Newest first, as the jobs listing answers: a full page of re-runs on "a", then older runs on "a" and "b".
    const history = [...Array.from({ length: SPEECH_PAGE }, (_, i) => job('a', 1000 - i, i)), job('b', 700, 7), job('a', 600, 99), job('c', 500, 5)];
    const asked: (number | undefined)[] = [];
    const page = async (before: number | undefined) => {
      asked.push(before);
      return history.filter((j) => before === undefined || j.createdAt < before).slice(0, SPEECH_PAGE);
    };
    expect(await latestSpeech(['a', 'b', 'z'], page)).toEqual({ a: [{ start: 0, end: 1 }], b: [{ start: 7, end: 8 }] });
    expect(asked).toEqual([undefined, 1000 - (SPEECH_PAGE - 1)]);
    asked.length = 0;
    expect(await latestSpeech(['a'], page)).toEqual({ a: [{ start: 0, end: 1 }] });
    expect(asked).toEqual([undefined]);
  });
});
