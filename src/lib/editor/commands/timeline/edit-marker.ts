import { editMarker } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

export const editMarkerCommand = timelineCommand<{ id: string; label?: string; color?: string }>({
  name: 'timeline.editMarker',
  label: 'Edit marker',
  operate: (s, args, opts) => editMarker(s, args, opts)
});
