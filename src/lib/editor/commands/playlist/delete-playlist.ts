import { deletePlaylist, type PlaylistOperationResult } from '../../model/playlist/operations';
import { forgetPlaylist } from '../../model/schedule/operations';
import { operationCommand } from '../operation-command';
import { VIEWER_REFUSAL, type StationCommand } from './playlist-command';
import { scheduleView } from '../schedule/schedule-command';

/** Deletes a playlist with its items and takes it out of every show and the rotation: one transaction, one undo. */
export const deletePlaylistCommand: StationCommand<{ playlistId: string }> = operationCommand<{ playlistId: string }, PlaylistOperationResult>({
  name: 'playlist.delete',
  label: 'Delete playlist',
  viewerRefusal: VIEWER_REFUSAL,
  compute: (ctx, args) => deletePlaylist(ctx.project.playlists.snapshot(), args),
  write: (ctx, result, args) => {
    const schedule = forgetPlaylist(scheduleView(ctx.project), args);
    ctx.project.playlists.apply(result.changes);
    if (schedule.ok) ctx.project.schedule.apply(schedule.changes);
  }
});
