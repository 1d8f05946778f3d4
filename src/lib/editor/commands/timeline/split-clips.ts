import { splitClips } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** S: split the selected clips at the playhead, or every clip under it on unlocked tracks when nothing is selected. */
export const splitClipsCommand = timelineCommand<{ time?: number; clipIds?: readonly string[] }>({
  name: 'timeline.splitClips',
  label: 'Split at playhead',
  keys: ['s'],
  operate: (s, args, opts) => splitClips(s, { time: args.time, clipIds: args.clipIds ?? opts.selection }, opts)
});
