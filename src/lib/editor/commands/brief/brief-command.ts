import type { BriefOperationResult } from '../../model/brief/operations';
import type { BriefSnapshot } from '../../model/brief/snapshot';
import { operationCommand, type RefusingCommand } from '../operation-command';

export const VIEWER_REFUSAL = 'Viewers cannot change the brief.';

export type BriefCommand<A> = RefusingCommand<A>;

/**
 * A brief command: a pure operation over the current brief, written with `Brief.apply` inside the one transaction
 * `runCommand` opens with the user's origin, so a gesture is one step on that user's undo stack.
 */
export function briefCommand<A>(spec: { name: string; label: string; keys?: readonly string[]; operate(snapshot: BriefSnapshot, args: A): BriefOperationResult }): BriefCommand<A> {
  return operationCommand<A, BriefOperationResult>({
    ...spec,
    viewerRefusal: VIEWER_REFUSAL,
    compute: (ctx, args) => spec.operate(ctx.project.brief.snapshot(), args),
    write: (ctx, result) => ctx.project.brief.apply(result.changes)
  });
}
