import { canEdit } from '../model/role';
import { COMMENT_MAX_LENGTH, newComment } from '../model/comment';
import type { Command } from './command';

export const addComment: Command<{ body: string }> = {
  name: 'addComment',
  label: 'Add comment',
  keys: ['Mod-Enter'],
  predicate: (ctx, { body }) => canEdit(ctx.role) && body.trim().length > 0 && body.length <= COMMENT_MAX_LENGTH,
  perform: (ctx, { body }) => {
    ctx.project.comments.insert(newComment({ authorId: ctx.user.id, authorName: ctx.user.name, body }));
  }
};
