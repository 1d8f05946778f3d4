import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ProjectDoc } from '$lib/editor/model/project-doc';
import { userOrigin } from '$lib/editor/model/origin';
import type { Role } from '$lib/editor/model/role';
import { canEdit, canManage } from '$lib/editor/model/role';
import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { deleteComment } from '$lib/editor/commands/delete-comment';
import { toggleCommentResolved } from '$lib/editor/commands/resolve-comment';
import { redo, undo } from '$lib/editor/commands/undo';
import { COMMENT_MAX_LENGTH } from '$lib/editor/model/comment';

function ctxFor(project: ProjectDoc, userId: string, role: Role): CommandContext {
  return { project, origin: userOrigin(userId), role, user: { id: userId, name: userId.toUpperCase() } };
}

/** A project with one comment written by `author` (an editor). */
function projectWithComment() {
  const project = new ProjectDoc();
  const author = ctxFor(project, 'author', 'editor');
  expect(runCommand(addComment, author, { body: 'Trim the intro' })).toBe(true);
  const id = project.commentList()[0].id;
  return { project, id };
}

describe('roles', () => {
  it.each([
    ['owner', true, true],
    ['editor', true, false],
    ['viewer', false, false],
    [null, false, false]
  ] as const)('%s: canEdit=%s canManage=%s', (role, edit, manage) => {
    expect(canEdit(role)).toBe(edit);
    expect(canManage(role)).toBe(manage);
  });
});

describe('comment commands', () => {
  it('addComment: editors and owners add; viewers, empty and over-long bodies are refused', () => {
    const project = new ProjectDoc();
    expect(runCommand(addComment, ctxFor(project, 'v', 'viewer'), { body: 'hello' })).toBe(false);
    expect(runCommand(addComment, ctxFor(project, 'e', 'editor'), { body: '   ' })).toBe(false);
    expect(runCommand(addComment, ctxFor(project, 'e', 'editor'), { body: 'x'.repeat(COMMENT_MAX_LENGTH + 1) })).toBe(false);
    expect(project.comments.size).toBe(0);
    expect(runCommand(addComment, ctxFor(project, 'e', 'editor'), { body: '  Louder at 1:20  ' })).toBe(true);
    expect(runCommand(addComment, ctxFor(project, 'o', 'owner'), { body: 'Agreed' })).toBe(true);
    const [first, second] = project.commentList();
    expect(first).toMatchObject({ authorId: 'e', authorName: 'E', body: 'Louder at 1:20', resolved: false });
    expect(second.authorId).toBe('o');
  });

  it('deleteComment: the author or the owner deletes; another editor and viewers cannot', () => {
    const { project, id } = projectWithComment();
    expect(deleteComment.predicate(ctxFor(project, 'other', 'editor'), { id })).toBe(false);
    expect(deleteComment.predicate(ctxFor(project, 'author', 'viewer'), { id })).toBe(false); // demoted author
    expect(deleteComment.predicate(ctxFor(project, 'someone', 'viewer'), { id })).toBe(false);
    expect(deleteComment.predicate(ctxFor(project, 'author', 'editor'), { id: 'missing' })).toBe(false);
    expect(deleteComment.predicate(ctxFor(project, 'author', 'editor'), { id })).toBe(true);
    expect(runCommand(deleteComment, ctxFor(project, 'other', 'editor'), { id })).toBe(false);
    expect(project.comments.has(id)).toBe(true);
    expect(runCommand(deleteComment, ctxFor(project, 'boss', 'owner'), { id })).toBe(true);
    expect(project.comments.has(id)).toBe(false);
  });

  it('toggleCommentResolved: any editor toggles, viewers cannot', () => {
    const { project, id } = projectWithComment();
    expect(runCommand(toggleCommentResolved, ctxFor(project, 'v', 'viewer'), { id })).toBe(false);
    expect(project.comments.get(id)?.resolved).toBe(false);
    expect(runCommand(toggleCommentResolved, ctxFor(project, 'other', 'editor'), { id })).toBe(true);
    expect(project.comments.get(id)?.resolved).toBe(true);
    expect(runCommand(toggleCommentResolved, ctxFor(project, 'boss', 'owner'), { id })).toBe(true);
    expect(project.comments.get(id)?.resolved).toBe(false);
    expect(runCommand(toggleCommentResolved, ctxFor(project, 'boss', 'owner'), { id: 'missing' })).toBe(false);
  });

  it('a refused command does not touch the document', () => {
    const { project, id } = projectWithComment();
    const before = Y.encodeStateAsUpdate(project.doc);
    const viewer = ctxFor(project, 'v', 'viewer');
    runCommand(addComment, viewer, { body: 'sneaky' });
    runCommand(deleteComment, viewer, { id });
    runCommand(toggleCommentResolved, viewer, { id });
    expect(Y.encodeStateAsUpdate(project.doc)).toEqual(before);
  });
});

describe('undo / redo commands', () => {
  it('undo one user’s command as one step, redo it, and refuse both for viewers', () => {
    const project = new ProjectDoc();
    const ctx = ctxFor(project, 'e', 'editor');
    ctx.undoManager = new Y.UndoManager([project.notes, project.comments.ymap], { trackedOrigins: new Set([ctx.origin]) });
    expect(undo.predicate(ctx, undefined)).toBe(false);
    runCommand(addComment, ctx, { body: 'one' });
    expect(runCommand(undo, ctx, undefined)).toBe(true);
    expect(project.comments.size).toBe(0);
    expect(runCommand(redo, ctx, undefined)).toBe(true);
    expect(project.commentList()[0]?.body).toBe('one');
    expect(runCommand(undo, { ...ctx, role: 'viewer' }, undefined)).toBe(false);
    expect(project.comments.size).toBe(1);
    // Another user's edit is not on this user's stack.
    const other = ctxFor(project, 'x', 'editor');
    ctx.undoManager.stopCapturing();
    runCommand(addComment, other, { body: 'two' });
    expect(runCommand(undo, ctx, undefined)).toBe(true);
    expect(project.commentList().map((c) => c.body)).toEqual(['two']);
  });
});
