import { setTitleStyle, type TitleStyleEdit } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** Text and style of the titles `clipIds`, or of the selection. */
export const setTitleStyleCommand = timelineCommand<{ clipIds?: readonly string[] } & TitleStyleEdit>({
  name: 'timeline.setTitleStyle',
  label: 'Change title',
  operate: (s, args, opts) => setTitleStyle(s, { ...args, clipIds: args.clipIds ?? opts.selection }, opts)
});
