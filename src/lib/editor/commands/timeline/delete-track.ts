import { deleteTrack } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const deleteTrackCommand = timelineCommand<{ trackId: string }>({
  name: 'timeline.deleteTrack',
  label: 'Delete track',
  operate: (s, args, opts) => deleteTrack(s, args, opts)
});
