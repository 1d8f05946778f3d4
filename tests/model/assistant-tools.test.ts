import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ASSISTANT_TOOLS, parseToolCall, runToolCall, toolDefinitions, type AssistantAsset, type AssistantContext } from '$lib/editor/assistant/assistant-tools';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { addPhotosCommand } from '$lib/editor/commands/brief/add-photos';
import { setRoomCommand } from '$lib/editor/commands/brief/set-room';
import { createPlaylistCommand } from '$lib/editor/commands/playlist/create-playlist';
import { createBlockCommand } from '$lib/editor/commands/schedule/create-block';
import { undo } from '$lib/editor/commands/undo';
import { CONVERSATION_LIMIT } from '$lib/editor/model/assistant-conversation';
import { assistantOrigin, undoOriginsOf, userOrigin } from '$lib/editor/model/origin';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import type { Role } from '$lib/editor/model/role';

const asset = (id: string, title: string, tags: string[], extra: Partial<AssistantAsset> = {}): AssistantAsset => ({
  id, kind: 'audio', title, artist: 'Stub Artist', tags, description: '', category: 'music', duration: 180, approved: true, ready: true, ...extra
});
const LIBRARY = [
  asset('lofi1', 'Rain on Glass', ['lofi', 'chill']),
  asset('lofi2', 'Paper Lanterns', ['lofi']),
  asset('lofi3', 'Night Bus', ['lofi']),
  asset('lofi4', 'Unapproved Demo', ['lofi'], { approved: false }),
  asset('jazz1', 'Blue Hour', ['jazz'])
];

/** A person's context as the studio builds it: their UndoManager tracks their own and their assistant origin. */
function person(project: ProjectDoc, userId: string, role: Role = 'editor'): { user: CommandContext; assistant: AssistantContext } {
  const undoManager = new Y.UndoManager([...project.playlists.undoScope, ...project.schedule.undoScope, ...project.timeline.undoScope], { trackedOrigins: undoOriginsOf(userId), captureTimeout: 0 });
  const user: CommandContext = { project, origin: userOrigin(userId), role, user: { id: userId, name: userId }, undoManager };
  return { user, assistant: { command: { ...user, origin: assistantOrigin(userId) }, projectId: 'p1', library: LIBRARY } };
}

function call(ctx: AssistantContext, name: string, args: unknown) {
  const parsed = parseToolCall(name, args);
  if (!parsed.ok) expect.fail(parsed.error);
  return runToolCall(ctx, parsed);
}

function station() {
  const project = new ProjectDoc();
  const ana = person(project, 'ana');
  runCommand(createPlaylistCommand, ana.user, { name: 'Morning Mix', playback: 'sequential' });
  runCommand(createBlockCommand, ana.user, { name: 'Breakfast Show', startMinute: 6 * 60, durationMinutes: 120, weekdays: [1, 3] });
  ana.user.undoManager!.clear();
  return { project, ana };
}
const ADD_PHOTOS = { assetIds: ['img1', 'img2', 'img3'], assets: { img1: { kind: 'image' }, img2: { kind: 'image' }, img3: { kind: 'image' } } } as const;
const spans = (project: ProjectDoc) => project.timeline.snapshot().clips.map((c) => [c.start, c.out - c.in]).sort((a, b) => a[0] - b[0]);
const itemsOf = (project: ProjectDoc) => project.playlists.snapshot().items.map((i) => i.assetId).sort();

describe('assistant tools over the editor commands', () => {
  it('adds matching approved tracks with the assistant origin, attributed and undone by the asker in one step', () => {
    const { project, ana } = station();
    const origins: unknown[] = [];
    project.doc.on('afterTransaction', (t: Y.Transaction) => origins.push(t.origin));
    const r = call(ana.assistant, 'add_to_playlist', { playlist: 'morning mix', query: 'lofi', count: 3 });
    expect(r).toEqual({ ok: true, summary: 'Added 3 tracks to Morning Mix: Rain on Glass, Paper Lanterns, Night Bus.' });
    expect(itemsOf(project)).toEqual(['lofi1', 'lofi2', 'lofi3']);
    expect(origins).toEqual([assistantOrigin('ana')]);
    expect(assistantOrigin('ana')).toMatchObject({ kind: 'assistant', userId: 'ana' });

    // A teammate's undo does not touch it; one undo of the asker takes the whole tool call back.
    const ben = person(project, 'ben');
    expect(runCommand(undo, ben.user, undefined)).toBe(false);
    expect(runCommand(undo, ana.user, undefined)).toBe(true);
    expect(itemsOf(project)).toEqual([]);
  });

  it('says when fewer tracks match than asked, and when none is left', () => {
    const { project, ana } = station();
    expect(call(ana.assistant, 'add_to_playlist', { playlist: 'Morning Mix', query: 'jazz', count: 4 }).summary).toMatch(/Added 1 track to Morning Mix \(only 1 matched\)/);
    expect(call(ana.assistant, 'add_to_playlist', { playlist: 'Morning Mix', query: 'jazz' })).toEqual({ ok: false, summary: 'No approved, processed track matching "jazz" is left to add to Morning Mix.' });
    expect(call(ana.assistant, 'add_to_playlist', { playlist: 'Evening', query: 'jazz' })).toEqual({ ok: false, summary: 'There is no playlist "Evening". Known: Morning Mix.' });
    expect(itemsOf(project)).toEqual(['jazz1']);
  });

  it('removes by title, and moves a show to another weekday and time (its other days move along)', () => {
    const { project, ana } = station();
    call(ana.assistant, 'add_to_playlist', { playlist: 'Morning Mix', query: 'lofi', count: 3 });
    expect(call(ana.assistant, 'remove_from_playlist', { playlist: 'Morning Mix', query: 'night bus' })).toEqual({ ok: true, summary: 'Removed 1 item matching "night bus" from Morning Mix.' });
    expect(itemsOf(project)).toEqual(['lofi1', 'lofi2']);
    expect(call(ana.assistant, 'move_show', { show: 'breakfast', day: 'tuesday', time: '09:30' })).toEqual({ ok: true, summary: 'Moved Breakfast Show to Tuesday 09:30.' });
    expect(project.schedule.snapshot().blocks[0].when).toMatchObject({ startMinute: 9 * 60 + 30, weekdays: [2, 4] });
    runCommand(undo, ana.user, undefined);
    expect(project.schedule.snapshot().blocks[0].when).toMatchObject({ startMinute: 6 * 60, weekdays: [1, 3] });
    runCommand(undo, ana.user, undefined);
    expect(itemsOf(project)).toEqual(['lofi1', 'lofi2', 'lofi3']);
  });

  it('adds a title, splits it and trims it on the timeline, each one undo step', () => {
    const { project, ana } = station();
    expect(call(ana.assistant, 'add_title', { text: 'Hello', at: 2, duration: 4 })).toEqual({ ok: true, summary: 'Added the title "Hello" at 00:02.' });
    expect(call(ana.assistant, 'split_at', { time: 3 })).toEqual({ ok: true, summary: 'Split at 00:03.' });
    expect(spans(project)).toEqual([[2, 1], [3, 3]]);
    runCommand(undo, ana.user, undefined);
    expect(spans(project)).toEqual([[2, 4]]);
    expect(call(ana.assistant, 'trim_clip', { clip: 'hello', start: 2.5, end: 5 })).toEqual({ ok: true, summary: 'Trimmed Hello to 00:02.50–00:05.' });
    expect(spans(project)).toEqual([[2.5, 2.5]]);
    runCommand(undo, ana.user, undefined);
    expect(spans(project)).toEqual([[2, 4]]);
    expect(call(ana.assistant, 'split_at', { time: 30 })).toEqual({ ok: false, summary: 'The playhead is not over a clip.' });
  });

  it('turns renders and media tools into API requests the client makes with the asker’s session', () => {
    const { ana } = station();
    expect(call(ana.assistant, 'render', { resolution: '720p' })).toEqual({ ok: true, summary: 'Started a 720p render.', request: { method: 'POST', path: '/api/projects/p1/renders', body: { preset: 'mp4-720p' } } });
    expect(call(ana.assistant, 'run_tool', { tool: 'cleanup', asset: 'blue hour' })).toMatchObject({ ok: true, request: { path: '/api/assets/jazz1/tools/cleanup' } });
    expect(call(ana.assistant, 'run_tool', { tool: 'cleanup', asset: 'nothing like it' })).toEqual({ ok: false, summary: 'No library file is called "nothing like it".' });
  });

  it('refuses unknown tools and bad arguments with a reason, leaving the document untouched', () => {
    const { project, ana } = station();
    const before = Y.encodeStateAsUpdate(project.doc);
    expect(parseToolCall('delete_everything', {})).toEqual({ ok: false, error: 'The assistant has no tool "delete_everything".' });
    expect(parseToolCall('add_to_playlist', '{"playlist": "Morning')).toEqual({ ok: false, error: 'The arguments of add_to_playlist are not a JSON object.' });
    expect(parseToolCall('add_to_playlist', { playlist: 'Morning Mix', count: -2 })).toMatchObject({ ok: false, error: expect.stringMatching(/count must be 1 or more/) });
    expect(parseToolCall('move_show', { show: 'Breakfast Show', day: 'someday', time: '25:00' })).toMatchObject({ ok: false, error: expect.stringMatching(/day must be one of.*time must be HH:MM/) });
    expect(parseToolCall('split_at', { time: 3, extra: true })).toMatchObject({ ok: false });
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
    // A viewer's assistant is refused by the commands themselves.
    const vic = person(project, 'vic', 'viewer');
    expect(call(vic.assistant, 'add_to_playlist', { playlist: 'Morning Mix', query: 'lofi' })).toEqual({ ok: false, summary: 'Viewers cannot change the station.' });
    expect(itemsOf(project)).toEqual([]);
    expect(ana).toBeDefined();
  });

  it('writes a staging note on brief photos chosen by room, number or all, one undo for all of them', () => {
    const project = new ProjectDoc();
    const ana = person(project, 'ana');
    const undoManager = new Y.UndoManager([...project.brief.undoScope], { trackedOrigins: undoOriginsOf('ana'), captureTimeout: 0 });
    const user: CommandContext = { ...ana.user, undoManager };
    const assistant: AssistantContext = { ...ana.assistant, command: { ...user, origin: assistantOrigin('ana') } };
    expect(call(assistant, 'brief_note', { photos: 'all', note: 'x' })).toMatchObject({ ok: false, summary: expect.stringContaining('no photos') });
    runCommand(addPhotosCommand, user, ADD_PHOTOS);
    const [p1, , p3] = project.brief.snapshot().photos;
    runCommand(setRoomCommand, user, { photoIds: [p1.id, p3.id], room: 'kitchen' });
    undoManager.clear();

    expect(call(assistant, 'brief_note', { photos: 'kitchens', note: 'Remove the fridge magnets.' })).toEqual({ ok: true, summary: 'Added the note to 2 photos.' });
    const notes = () => project.brief.snapshot().photos.map((p) => p.staging.notes);
    expect(notes()).toEqual(['Remove the fridge magnets.', '', 'Remove the fridge magnets.']);
    expect(call(assistant, 'brief_note', { photos: '2', note: 'Day to dusk.' })).toMatchObject({ ok: true });
    expect(call(assistant, 'brief_note', { photos: '1', note: 'And a plant.' })).toMatchObject({ ok: true });
    expect(notes()).toEqual(['Remove the fridge magnets.\nAnd a plant.', 'Day to dusk.', 'Remove the fridge magnets.']);
    expect(call(assistant, 'brief_note', { photos: 'pool', note: 'x' })).toMatchObject({ ok: false, summary: expect.stringContaining('say all, a number from 1 to 3') });

    expect(runCommand(undo, user, undefined)).toBe(true);
    expect(runCommand(undo, user, undefined)).toBe(true);
    expect(runCommand(undo, user, undefined)).toBe(true);
    expect(notes()).toEqual(['', '', '']);
  });

  it('offers every tool to a language model as a JSON Schema', () => {
    const defs = toolDefinitions();
    expect(defs.map((d) => d.name)).toEqual(ASSISTANT_TOOLS.map((t) => t.name));
    const add = defs.find((d) => d.name === 'add_to_playlist')!;
    expect(add.parameters).toMatchObject({ type: 'object', properties: { playlist: { type: 'string' }, count: { type: 'integer', minimum: 1, maximum: 50 } }, required: ['playlist'] });
  });

  it('keeps the shared conversation to its last messages', () => {
    const project = new ProjectDoc();
    project.transact(userOrigin('ana'), () => {
      for (let i = 0; i < CONVERSATION_LIMIT + 5; i++) project.assistant.add({ role: 'user', byId: 'ana', byName: 'Ana', text: `m${i}`, source: 'commands', at: 1000 + i });
    });
    const list = project.assistant.list();
    expect(list).toHaveLength(CONVERSATION_LIMIT);
    expect(list[0].text).toBe('m5');
    expect(list.at(-1)!.text).toBe(`m${CONVERSATION_LIMIT + 4}`);
  });
});
