import type { StagingOperationResult, StagingSnapshot } from '../../model/brief/staging-operations';
import { operationCommand, type RefusingCommand } from '../operation-command';

export const STAGING_VIEWER_REFUSAL = 'Viewers cannot change the staging board.';

/**
 * A staging-board command: a pure operation over the boards, written with `Brief.applyStaging` inside the one
 * transaction `runCommand` opens with the user's origin (one gesture, one step on that user's undo stack).
 */
export function stagingCommand<A>(spec: { name: string; label: string; keys?: readonly string[]; operate(snapshot: StagingSnapshot, args: A): StagingOperationResult }): RefusingCommand<A> {
  return operationCommand<A, StagingOperationResult>({
    ...spec,
    viewerRefusal: STAGING_VIEWER_REFUSAL,
    compute: (ctx, args) => spec.operate(ctx.project.brief.staging(), args),
    write: (ctx, result) => ctx.project.brief.applyStaging(result.changes)
  });
}
