import { addTrack } from '../../model/timeline/operations';
import type { TrackKind } from '../../model/timeline/snapshot';
import { timelineCommand } from './timeline-command';

export const addTrackCommand = timelineCommand<{ kind: TrackKind; name?: string; index?: number }>({
  name: 'timeline.addTrack',
  label: 'Add track',
  operate: (s, args, opts) => addTrack(s, args, opts)
});
