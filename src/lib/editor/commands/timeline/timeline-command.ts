import type { OperationOptions, OperationResult } from '../../model/timeline/operations';
import type { TimelineSnapshot } from '../../model/timeline/snapshot';
import { operationCommand, type RefusingCommand } from '../operation-command';

/**
 * A timeline command: a pure operation over the current snapshot, written with `Timeline.apply` inside the one
 * transaction `runCommand` opens with the user's origin, so a gesture is one step on that user's undo stack.
 * Space, J, K and L are transport (play, reverse, pause, forward) in the player, not document commands.
 */
export type TimelineCommand<A> = RefusingCommand<A>;

export function timelineCommand<A>(spec: {
  name: string;
  label: string;
  keys?: readonly string[];
  operate(snapshot: TimelineSnapshot, args: A, opts: OperationOptions & { selection: readonly string[] }): OperationResult;
}): TimelineCommand<A> {
  return operationCommand<A, OperationResult>({
    ...spec,
    viewerRefusal: 'Viewers cannot change the timeline.',
    compute: (ctx, args) => {
      const state = ctx.timeline ?? {};
      return spec.operate(ctx.project.timeline.snapshot(state.assetDurations), args, { ...state, selection: state.selection ?? [] });
    },
    write: (ctx, result) => ctx.project.timeline.apply(result.changes, ctx.timeline?.assetDurations)
  });
}
