import { deleteMarker } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const deleteMarkerCommand = timelineCommand<{ id: string }>({
  name: 'timeline.deleteMarker',
  label: 'Delete marker',
  operate: (s, args, opts) => deleteMarker(s, args, opts)
});
