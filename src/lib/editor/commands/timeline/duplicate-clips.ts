import { duplicateClips } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Mod+D: copies of the selection right after it, on the same tracks. */
export const duplicateClipsCommand = timelineCommand<{ clipIds?: readonly string[]; ripple?: boolean }>({
  name: 'timeline.duplicateClips',
  label: 'Duplicate',
  keys: ['Mod-d'],
  operate: (s, args, opts) => duplicateClips(s, { clipIds: args.clipIds ?? opts.selection, ripple: args.ripple }, opts)
});
