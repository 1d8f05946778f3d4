import type { PlaylistOperationResult } from '../../model/playlist/operations';
import type { PlaylistsSnapshot } from '../../model/playlist/snapshot';
import { canEdit } from '../../model/role';
import type { Command, CommandContext } from '../command';

export const VIEWER_REFUSAL = 'Viewers cannot change the station.';

/** A station command that can say why it cannot run (a toast, a disabled button's tooltip), or null when it can. */
export interface StationCommand<A> extends Command<A> {
  refusal(ctx: CommandContext, args: A): string | null;
}

/**
 * A playlist command: a pure operation over the current playlists, written with `Playlists.apply` inside the one
 * transaction `runCommand` opens with the user's origin, so a gesture is one step on that user's undo stack.
 */
export function playlistCommand<A>(spec: { name: string; label: string; keys?: readonly string[]; operate(snapshot: PlaylistsSnapshot, args: A): PlaylistOperationResult }): StationCommand<A> {
  const run = (ctx: CommandContext, args: A) => spec.operate(ctx.project.playlists.snapshot(), args);
  return {
    name: spec.name,
    label: spec.label,
    keys: spec.keys,
    predicate: (ctx, args) => canEdit(ctx.role) && run(ctx, args).ok,
    refusal: (ctx, args) => {
      if (!canEdit(ctx.role)) return VIEWER_REFUSAL;
      const result = run(ctx, args);
      return result.ok ? null : result.reason;
    },
    perform: (ctx, args) => {
      const result = run(ctx, args);
      if (result.ok) ctx.project.playlists.apply(result.changes);
    }
  };
}
