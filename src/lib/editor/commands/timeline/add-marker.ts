import { addMarker } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** M: a marker at the playhead. */
export const addMarkerCommand = timelineCommand<{ time?: number; label?: string; color?: string }>({
  name: 'timeline.addMarker',
  label: 'Add marker',
  keys: ['m'],
  operate: (s, args, opts) => addMarker(s, args, opts)
});
