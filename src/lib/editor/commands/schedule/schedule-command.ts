import type { ProjectDoc } from '../../model/project-doc';
import { canEdit } from '../../model/role';
import type { ScheduleOperationOptions, ScheduleOperationResult } from '../../model/schedule/operations';
import type { ScheduleSnapshot } from '../../model/schedule/snapshot';
import type { CommandContext } from '../command';
import { VIEWER_REFUSAL, type StationCommand } from '../playlist/playlist-command';

/** The schedule as the editor shows it: links to playlists deleted concurrently left out. */
export function scheduleView(project: ProjectDoc): ScheduleSnapshot {
  return project.schedule.snapshot(new Set(project.playlists.snapshot().playlists.map((p) => p.id)));
}

/**
 * A schedule command: a pure operation over the schedule as shown (with the playlists, so links to missing ones are
 * refused), written with `Schedule.apply` in the one transaction `runCommand` opens with the user's origin.
 */
export function scheduleCommand<A>(spec: {
  name: string;
  label: string;
  keys?: readonly string[];
  operate(snapshot: ScheduleSnapshot, args: A, opts: ScheduleOperationOptions): ScheduleOperationResult;
}): StationCommand<A> {
  const run = (ctx: CommandContext, args: A) => {
    const playlists = ctx.project.playlists.snapshot();
    return spec.operate(ctx.project.schedule.snapshot(new Set(playlists.playlists.map((p) => p.id))), args, { playlists });
  };
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
      if (result.ok) ctx.project.schedule.apply(result.changes);
    }
  };
}
