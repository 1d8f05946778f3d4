import { moveMarker } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const moveMarkerCommand = timelineCommand<{ id: string; time: number }>({
  name: 'timeline.moveMarker',
  label: 'Move marker',
  operate: (s, args, opts) => moveMarker(s, args, opts)
});
