import { reorderTrack } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const reorderTrackCommand = timelineCommand<{ trackId: string; index: number }>({
  name: 'timeline.reorderTrack',
  label: 'Move track',
  operate: (s, args, opts) => reorderTrack(s, args, opts)
});
