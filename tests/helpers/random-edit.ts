import { runCommand, type CommandContext } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { deleteComment } from '$lib/editor/commands/delete-comment';
import { toggleCommentResolved } from '$lib/editor/commands/resolve-comment';
import type { Rng } from './prng';

const WORDS = ['intro', 'jingle', 'promo', 'ad break', 'news', 'weather', 'outro', 'ünïcødé ✓', '🎧', '\n'];

/** One random edit of notes or comments, chosen by the seeded generator, made the way the studio makes it. */
export function randomEdit(ctx: CommandContext, rng: Rng): void {
  const p = ctx.project;
  const comments = p.commentList();
  const roll = rng.int(100);
  if (roll < 35) {
    p.transact(ctx.origin, () => p.notes.insert(rng.int(p.notes.length + 1), rng.pick(WORDS) + ' '));
  } else if (roll < 50) {
    if (p.notes.length === 0) return;
    const at = rng.int(p.notes.length);
    p.transact(ctx.origin, () => p.notes.delete(at, 1 + rng.int(Math.min(6, p.notes.length - at))));
  } else if (roll < 65) {
    runCommand(addComment, ctx, { body: `${rng.pick(WORDS)} #${rng.int(1000)}` });
  } else if (roll < 75) {
    if (comments.length) runCommand(deleteComment, ctx, { id: rng.pick(comments).id });
  } else if (roll < 85) {
    if (comments.length) runCommand(toggleCommentResolved, ctx, { id: rng.pick(comments).id });
  } else if (comments.length) {
    const c = rng.pick(comments);
    p.transact(ctx.origin, () => p.comments.update(c.id, { body: `${c.body} +${rng.pick(WORDS)}` }));
  }
}
