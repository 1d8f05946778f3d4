import { canEdit, canManage } from '../model/role';
import type { Command } from './command';

/** Authors delete their own comments; the owner may delete any. */
export const deleteComment: Command<{ id: string }> = {
  name: 'deleteComment',
  label: 'Delete comment',
  predicate: (ctx, { id }) => {
    const c = ctx.project.comments.get(id);
    return !!c && canEdit(ctx.role) && (c.authorId === ctx.user.id || canManage(ctx.role));
  },
  perform: (ctx, { id }) => ctx.project.comments.delete(id)
};
