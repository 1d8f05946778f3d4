import { moveClips } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Drag the selection (or `clipIds`): the anchor clip goes to `start` on `trackId`, the rest keep their offsets. */
export const moveClipsCommand = timelineCommand<{ clipIds?: readonly string[]; start: number; trackId?: string; anchorId?: string; ripple?: boolean }>({
  name: 'timeline.moveClips',
  label: 'Move clips',
  operate: (s, args, opts) => moveClips(s, { ...args, clipIds: args.clipIds ?? opts.selection }, opts)
});
