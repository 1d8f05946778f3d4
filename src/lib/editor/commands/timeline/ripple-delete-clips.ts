import { deleteClips } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Shift+Delete: remove the selected clips and close their gaps on their tracks. */
export const rippleDeleteClipsCommand = timelineCommand<{ clipIds?: readonly string[] }>({
  name: 'timeline.rippleDeleteClips',
  label: 'Ripple delete',
  keys: ['Shift-Delete', 'Shift-Backspace'],
  operate: (s, args, opts) => deleteClips(s, { clipIds: args.clipIds ?? opts.selection, ripple: true }, opts)
});
