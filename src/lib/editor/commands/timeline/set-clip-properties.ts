import { setClipProperties, type ClipProperties } from '../../model/timeline/operations';
import { timelineCommand } from './timeline-command';

/** The inspector's clip fields (volume, fades, opacity, speed, transform) on `clipIds`, or the selection. */
export const setClipPropertiesCommand = timelineCommand<{ clipIds?: readonly string[]; ripple?: boolean } & ClipProperties>({
  name: 'timeline.setClipProperties',
  label: 'Change clip properties',
  operate: (s, args, opts) => setClipProperties(s, { ...args, clipIds: args.clipIds ?? opts.selection }, opts)
});
