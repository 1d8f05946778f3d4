import { canEdit } from '../model/role';
import { COMMENT_MAX_LENGTH, newComment, type CommentAnchor, type PhotoPin } from '../model/comment';
import type { Command } from './command';

/** A comment on the project, pinned to a moment of a timeline clip (`anchorAt`) or to a point of a brief photo. */
export const addComment: Command<{ body: string; anchor?: CommentAnchor | null; pin?: PhotoPin | null }> = {
  name: 'addComment',
  label: 'Add comment',
  keys: ['Mod-Enter'],
  predicate: (ctx, { body }) => canEdit(ctx.role) && body.trim().length > 0 && body.length <= COMMENT_MAX_LENGTH,
  perform: (ctx, { body, anchor, pin }) => {
    ctx.project.comments.insert(newComment({ authorId: ctx.user.id, authorName: ctx.user.name, body, anchor, pin }));
  }
};
