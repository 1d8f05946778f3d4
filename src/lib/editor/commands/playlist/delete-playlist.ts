import { deletePlaylist } from '../../model/playlist/operations';
import { canEdit } from '../../model/role';
import { forgetPlaylist } from '../../model/schedule/operations';
import type { CommandContext } from '../command';
import { VIEWER_REFUSAL, type StationCommand } from './playlist-command';
import { scheduleView } from '../schedule/schedule-command';

const run = (ctx: CommandContext, args: { playlistId: string }) => deletePlaylist(ctx.project.playlists.snapshot(), args);

/** Deletes a playlist with its items and takes it out of every show and the rotation: one transaction, one undo. */
export const deletePlaylistCommand: StationCommand<{ playlistId: string }> = {
  name: 'playlist.delete',
  label: 'Delete playlist',
  predicate: (ctx, args) => canEdit(ctx.role) && run(ctx, args).ok,
  refusal: (ctx, args) => {
    if (!canEdit(ctx.role)) return VIEWER_REFUSAL;
    const result = run(ctx, args);
    return result.ok ? null : result.reason;
  },
  perform: (ctx, args) => {
    const result = run(ctx, args);
    if (!result.ok) return;
    const schedule = forgetPlaylist(scheduleView(ctx.project), args);
    ctx.project.playlists.apply(result.changes);
    if (schedule.ok) ctx.project.schedule.apply(schedule.changes);
  }
};
