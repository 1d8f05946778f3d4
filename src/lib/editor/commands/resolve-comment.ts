import { canEdit } from '../model/role';
import type { Command } from './command';

export const toggleCommentResolved: Command<{ id: string }> = {
  name: 'toggleCommentResolved',
  label: 'Resolve comment',
  predicate: (ctx, { id }) => canEdit(ctx.role) && ctx.project.comments.has(id),
  perform: (ctx, { id }) => {
    const c = ctx.project.comments.get(id);
    if (c) ctx.project.comments.update(id, { resolved: !c.resolved });
  }
};
