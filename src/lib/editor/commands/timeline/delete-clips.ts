import { deleteClips } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Delete: remove the selected clips and leave their gaps. */
export const deleteClipsCommand = timelineCommand<{ clipIds?: readonly string[] }>({
  name: 'timeline.deleteClips',
  label: 'Delete',
  keys: ['Delete', 'Backspace'],
  operate: (s, args, opts) => deleteClips(s, { clipIds: args.clipIds ?? opts.selection }, opts)
});
