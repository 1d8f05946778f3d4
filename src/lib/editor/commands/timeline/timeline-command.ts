import type { OperationOptions, OperationResult } from '../../model/timeline/operations';
import type { TimelineSnapshot } from '../../model/timeline/snapshot';
import { canEdit } from '../../model/role';
import type { Command, CommandContext } from '../command';

/**
 * A timeline command: a pure operation over the current snapshot, written with `Timeline.apply` inside the one
 * transaction `runCommand` opens with the user's origin, so a gesture is one step on that user's undo stack.
 * Space, J, K and L are transport (play, reverse, pause, forward) in the player, not document commands.
 */
export interface TimelineCommand<A> extends Command<A> {
  /** Why the command cannot run now (a toast, a disabled button's tooltip), or null when it can. */
  refusal(ctx: CommandContext, args: A): string | null;
}

export function timelineCommand<A>(spec: {
  name: string;
  label: string;
  keys?: readonly string[];
  operate(snapshot: TimelineSnapshot, args: A, opts: OperationOptions & { selection: readonly string[] }): OperationResult;
}): TimelineCommand<A> {
  const run = (ctx: CommandContext, args: A): OperationResult => {
    const state = ctx.timeline ?? {};
    return spec.operate(ctx.project.timeline.snapshot(state.assetDurations), args, { ...state, selection: state.selection ?? [] });
  };
  return {
    name: spec.name,
    label: spec.label,
    keys: spec.keys,
    predicate: (ctx, args) => canEdit(ctx.role) && run(ctx, args).ok,
    refusal: (ctx, args) => {
      if (!canEdit(ctx.role)) return 'Viewers cannot change the timeline.';
      const result = run(ctx, args);
      return result.ok ? null : result.reason;
    },
    perform: (ctx, args) => {
      const result = run(ctx, args);
      if (result.ok) ctx.project.timeline.apply(result.changes, ctx.timeline?.assetDurations);
    }
  };
}
