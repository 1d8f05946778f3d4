import type { ProjectDoc } from '../../model/project-doc';
import type { ScheduleOperationOptions, ScheduleOperationResult } from '../../model/schedule/operations';
import type { ScheduleSnapshot } from '../../model/schedule/snapshot';
import { operationCommand } from '../operation-command';
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
  return operationCommand<A, ScheduleOperationResult>({
    ...spec,
    viewerRefusal: VIEWER_REFUSAL,
    compute: (ctx, args) => {
      const playlists = ctx.project.playlists.snapshot();
      return spec.operate(ctx.project.schedule.snapshot(new Set(playlists.playlists.map((p) => p.id))), args, { playlists });
    },
    write: (ctx, result) => ctx.project.schedule.apply(result.changes)
  });
}
