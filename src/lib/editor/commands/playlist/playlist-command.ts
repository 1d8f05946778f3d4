import type { PlaylistOperationResult } from '../../model/playlist/operations';
import type { PlaylistsSnapshot } from '../../model/playlist/snapshot';
import { operationCommand, type RefusingCommand } from '../operation-command';

export const VIEWER_REFUSAL = 'Viewers cannot change the station.';

export type StationCommand<A> = RefusingCommand<A>;

/**
 * A playlist command: a pure operation over the current playlists, written with `Playlists.apply` inside the one
 * transaction `runCommand` opens with the user's origin, so a gesture is one step on that user's undo stack.
 */
export function playlistCommand<A>(spec: { name: string; label: string; keys?: readonly string[]; operate(snapshot: PlaylistsSnapshot, args: A): PlaylistOperationResult }): StationCommand<A> {
  return operationCommand<A, PlaylistOperationResult>({
    ...spec,
    viewerRefusal: VIEWER_REFUSAL,
    compute: (ctx, args) => spec.operate(ctx.project.playlists.snapshot(), args),
    write: (ctx, result) => ctx.project.playlists.apply(result.changes)
  });
}
