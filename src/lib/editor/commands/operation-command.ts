import { canEdit } from '../model/role';
import { runCommand, type Command, type CommandContext } from './command';

/** A command that can say why it cannot run (a toast, a disabled button's tooltip), or null when it can. */
export interface RefusingCommand<A> extends Command<A> {
  refusal(ctx: CommandContext, args: A): string | null;
}

type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * A command over a pure operation: `compute` reads the document and proposes changes (or a reason not to), `write`
 * stores them inside the one transaction `runCommand` opens with the user's origin, so a gesture is one undo step.
 */
export function operationCommand<A, R extends Outcome>(spec: {
  name: string;
  label: string;
  keys?: readonly string[];
  /** What a viewer is told. */
  viewerRefusal: string;
  compute(ctx: CommandContext, args: A): R;
  write(ctx: CommandContext, result: Extract<R, { ok: true }>, args: A): void;
}): RefusingCommand<A> {
  return {
    name: spec.name,
    label: spec.label,
    keys: spec.keys,
    predicate: (ctx, args) => canEdit(ctx.role) && spec.compute(ctx, args).ok,
    refusal: (ctx, args) => {
      if (!canEdit(ctx.role)) return spec.viewerRefusal;
      const result = spec.compute(ctx, args);
      return result.ok ? null : (result as Extract<R, { ok: false }>).reason;
    },
    perform: (ctx, args) => {
      const result = spec.compute(ctx, args);
      if (result.ok) spec.write(ctx, result as Extract<R, { ok: true }>, args);
    }
  };
}

/**
 * Runs a command as one gesture: one undo step of this user, however quickly the next gesture follows.
 * Returns why it did not run (for a toast), or null when it ran.
 */
export function runGesture<A>(command: RefusingCommand<A>, ctx: CommandContext, args: A): string | null {
  const refusal = command.refusal(ctx, args);
  if (refusal) return refusal;
  const ran = runCommand(command, ctx, args);
  ctx.undoManager?.stopCapturing();
  return ran ? null : `${command.label} cannot run now.`;
}
