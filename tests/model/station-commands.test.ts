import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { redo, undo } from '$lib/editor/commands/undo';
import { addPlaylistItemsCommand } from '$lib/editor/commands/playlist/add-playlist-items';
import { createPlaylistCommand } from '$lib/editor/commands/playlist/create-playlist';
import { deletePlaylistCommand } from '$lib/editor/commands/playlist/delete-playlist';
import { movePlaylistItemsCommand } from '$lib/editor/commands/playlist/move-playlist-items';
import { removePlaylistItemsCommand } from '$lib/editor/commands/playlist/remove-playlist-items';
import { renamePlaylistCommand } from '$lib/editor/commands/playlist/rename-playlist';
import { reorderPlaylistCommand } from '$lib/editor/commands/playlist/reorder-playlist';
import { setPlaylistRulesCommand } from '$lib/editor/commands/playlist/set-playlist-rules';
import type { StationCommand } from '$lib/editor/commands/playlist/playlist-command';
import { createBlockCommand } from '$lib/editor/commands/schedule/create-block';
import { deleteBlockCommand } from '$lib/editor/commands/schedule/delete-block';
import { editBlockCommand } from '$lib/editor/commands/schedule/edit-block';
import { moveBlockCommand } from '$lib/editor/commands/schedule/move-block';
import { resizeBlockCommand } from '$lib/editor/commands/schedule/resize-block';
import { setDefaultRotationCommand } from '$lib/editor/commands/schedule/set-default-rotation';
import { setScheduleSettingsCommand } from '$lib/editor/commands/schedule/set-schedule-settings';
import { userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { Role } from '$lib/editor/model/role';
import { planPlayout, validatePlan } from '$lib/editor/model/schedule/playout-plan';
import { at, song } from '../helpers/station';

const ASSETS = { a: song(180, { title: 'A' }), b: song(200, { title: 'B' }), c: song(150, { title: 'C' }), pending: song(100, { approved: false, title: 'Demo' }) };

function ctxFor(project: ProjectDoc, userId: string, role: Role = 'editor'): CommandContext {
  const origin = userOrigin(userId);
  const undoManager = new Y.UndoManager([...project.playlists.undoScope, ...project.schedule.undoScope], { trackedOrigins: new Set([origin]), captureTimeout: 0 });
  return { project, origin, role, user: { id: userId, name: userId }, undoManager };
}

function run<A>(command: StationCommand<A>, ctx: CommandContext, args: A): void {
  const reason = command.refusal(ctx, args);
  if (reason) expect.fail(`${command.name} refused: ${reason}`);
  expect(runCommand(command, ctx, args)).toBe(true);
}

const playlistNamed = (project: ProjectDoc, name: string) => project.playlists.snapshot().playlists.find((p) => p.name === name)!;
const blockNamed = (project: ProjectDoc, name: string) => project.schedule.snapshot().blocks.find((b) => b.name === name)!;

/** A station programmed through commands only: a playlist of three songs, a jingle list, a morning show, a rotation. */
function programmedStation() {
  const project = new ProjectDoc();
  const editor = ctxFor(project, 'ed');
  run(createPlaylistCommand, editor, { name: 'Hits', playback: 'sequential' });
  run(createPlaylistCommand, editor, { name: 'IDs', kind: 'jingle' });
  const hits = playlistNamed(project, 'Hits');
  run(addPlaylistItemsCommand, editor, { playlistId: hits.id, assetIds: ['a', 'b', 'c'], assets: ASSETS });
  run(createBlockCommand, editor, { name: 'Morning', startMinute: 6 * 60, durationMinutes: 120, playlists: [{ playlistId: hits.id, weight: 1 }] });
  run(setDefaultRotationCommand, editor, { rotation: [{ playlistId: hits.id, weight: 1 }] });
  return { project, editor, hits };
}

describe('station commands', () => {
  it('program a station end to end; the plan reads it', () => {
    const { project, editor, hits } = programmedStation();
    const items = () => project.playlists.snapshot().items.filter((i) => i.playlistId === hits.id);
    expect(addPlaylistItemsCommand.refusal(editor, { playlistId: hits.id, assetIds: ['pending'], assets: ASSETS })).toBe('Only approved media goes on air: approve "Demo" first.');
    run(movePlaylistItemsCommand, editor, { itemIds: [items()[2].id], index: 0 });
    expect(items().map((i) => i.assetId)).toEqual(['c', 'a', 'b']);
    run(renamePlaylistCommand, editor, { playlistId: hits.id, name: 'Hot hits' });
    run(reorderPlaylistCommand, editor, { playlistId: hits.id, index: 1 });
    expect(project.playlists.snapshot().playlists.map((p) => p.name)).toEqual(['IDs', 'Hot hits']);
    run(setPlaylistRulesCommand, editor, { playlistId: playlistNamed(project, 'IDs').id, jingle: { every: 'songs', songs: 2 } });
    const morning = blockNamed(project, 'Morning');
    run(moveBlockCommand, editor, { blockId: morning.id, startMinute: 7 * 60 });
    run(resizeBlockCommand, editor, { blockId: morning.id, edge: 'end', durationMinutes: 60 });
    run(editBlockCommand, editor, { blockId: morning.id, startMode: 'hard', playlists: [{ playlistId: hits.id, weight: 2 }, { playlistId: playlistNamed(project, 'IDs').id, weight: 1 }] });
    run(setScheduleSettingsCommand, editor, { breakSeconds: 2 });
    expect(blockNamed(project, 'Morning')).toMatchObject({ when: { startMinute: 420 }, durationMinutes: 60, startMode: 'hard' });
    run(removePlaylistItemsCommand, editor, { itemIds: [items()[0].id] });
    expect(items().map((i) => i.assetId)).toEqual(['a', 'b']);

    const input = { playlists: project.playlists.snapshot(), schedule: project.schedule.snapshot(), assets: ASSETS, channel: { id: 'c', crossfadeSeconds: 2, fallbackPlaylistId: null }, at: at('2026-01-05T06:55:00Z'), count: 8 };
    const plan = planPlayout(input);
    expect(validatePlan(plan, input)).toEqual([]);
    expect(plan.find((i) => i.blockId === morning.id && i.kind !== 'break')).toMatchObject({ start: at('2026-01-05T07:00:00Z'), show: 'Morning' });
  });

  it('viewers cannot run any station command, and a refused command writes nothing', () => {
    const { project, hits } = programmedStation();
    const viewer = ctxFor(project, 'v', 'viewer');
    const before = Y.encodeStateAsUpdate(project.doc);
    const morning = blockNamed(project, 'Morning');
    const attempts: [StationCommand<never>, unknown][] = [
      [createPlaylistCommand as StationCommand<never>, {}],
      [deletePlaylistCommand as StationCommand<never>, { playlistId: hits.id }],
      [addPlaylistItemsCommand as StationCommand<never>, { playlistId: hits.id, assetIds: ['a'], assets: ASSETS }],
      [createBlockCommand as StationCommand<never>, { name: 'X', startMinute: 0, durationMinutes: 5 }],
      [deleteBlockCommand as StationCommand<never>, { blockId: morning.id }],
      [setDefaultRotationCommand as StationCommand<never>, { rotation: [] }]
    ];
    for (const [command, args] of attempts) {
      expect(command.refusal(viewer, args as never)).toBe('Viewers cannot change the station.');
      expect(runCommand(command, viewer, args as never)).toBe(false);
    }
    const editor = ctxFor(project, 'ed');
    expect(runCommand(createBlockCommand, editor, { name: 'Bad', startMinute: 0, durationMinutes: 0 })).toBe(false);
    expect(runCommand(deleteBlockCommand, editor, { blockId: 'gone' })).toBe(false);
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
  });

  it('deleting a playlist takes it out of every show and the rotation; one undo brings all of it back', () => {
    const { project, editor, hits } = programmedStation();
    editor.undoManager!.stopCapturing();
    run(deletePlaylistCommand, editor, { playlistId: hits.id });
    expect(project.playlists.snapshot().playlists.map((p) => p.name)).toEqual(['IDs']);
    expect(project.playlists.items.size).toBe(0);
    expect([blockNamed(project, 'Morning').playlists, project.schedule.settings().rotation]).toEqual([[], []]);
    expect(runCommand(undo, editor, undefined)).toBe(true);
    expect(playlistNamed(project, 'Hits').id).toBe(hits.id);
    expect(project.playlists.snapshot().items.map((i) => i.assetId)).toEqual(['a', 'b', 'c']);
    expect([blockNamed(project, 'Morning').playlists, project.schedule.settings().rotation]).toEqual([[{ playlistId: hits.id, weight: 1 }], [{ playlistId: hits.id, weight: 1 }]]);
  });

  it('per-user undo: each user undoes only their own station edits, field by field', () => {
    const project = new ProjectDoc();
    const ann = ctxFor(project, 'ann');
    const bob = ctxFor(project, 'bob');
    run(createPlaylistCommand, ann, { name: 'Ann’s', playback: 'shuffle' });
    const id = playlistNamed(project, 'Ann’s').id;
    run(createBlockCommand, bob, { name: 'Bob’s show', startMinute: 600, durationMinutes: 60 });
    run(setPlaylistRulesCommand, bob, { playlistId: id, playback: 'sequential' });
    run(renamePlaylistCommand, ann, { playlistId: id, name: 'Ann’s best' });
    // Ann's undo takes back her rename only: Bob's change to another field of the same playlist stays.
    expect(runCommand(undo, ann, undefined)).toBe(true);
    expect(project.playlists.snapshot().playlists.map((p) => [p.name, p.playback])).toEqual([['Ann’s', 'sequential']]);
    // Bob's undo: his rule change, then his show; never Ann's playlist.
    expect(runCommand(undo, bob, undefined)).toBe(true);
    expect(project.playlists.snapshot().playlists.map((p) => [p.name, p.playback])).toEqual([['Ann’s', 'shuffle']]);
    expect(runCommand(undo, bob, undefined)).toBe(true);
    expect(project.schedule.snapshot().blocks).toEqual([]);
    expect(runCommand(undo, bob, undefined)).toBe(false);
    expect(project.playlists.snapshot().playlists).toHaveLength(1);
    expect(runCommand(redo, ann, undefined)).toBe(true);
    expect(playlistNamed(project, 'Ann’s best').playback).toBe('shuffle');
    expect(runCommand(undo, ann, undefined) && runCommand(undo, ann, undefined)).toBe(true);
    expect(project.playlists.snapshot().playlists).toEqual([]);
  });

  it('a gesture is one undo step, even when it writes several records', () => {
    const { project, editor, hits } = programmedStation();
    editor.undoManager!.stopCapturing();
    run(addPlaylistItemsCommand, editor, { playlistId: hits.id, assetIds: ['x', 'y'], assets: { ...ASSETS, x: song(60), y: song(70) } });
    expect(project.playlists.snapshot().items).toHaveLength(5);
    expect(runCommand(undo, editor, undefined)).toBe(true);
    expect(project.playlists.snapshot().items.map((i) => i.assetId)).toEqual(['a', 'b', 'c']);
  });
});
